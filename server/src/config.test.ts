import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { ConfigError, DEFAULT_DATA_DIR, loadConfig } from './config';

/** The error loadConfig throws for this environment (fails the test when it throws none). */
function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  test('defaults when nothing is set; empty is the same as unset', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', production: false, publicUrl: 'http://localhost:3000', logLevel: 'info', trustProxy: 0 });
    expect(config).toMatchObject({ staffTokenTtl: 43200, sweepIntervalMs: 2000, socketFramesPerSecond: 20, httpRequestsPerSecond: 25, signInsPerMinute: 60 });
    expect([config.databaseUrl, config.dataDir]).toEqual([undefined, DEFAULT_DATA_DIR]);
    const blank = loadConfig({ PORT: '', DATABASE_URL: '', TRUST_PROXY: ' ' });
    expect([blank.port, blank.databaseUrl, blank.trustProxy]).toEqual([3000, undefined, 0]);
    expect(loadConfig({ NODE_ENV: 'production' }).production).toBe(true);
  });

  test('the embedded database defaults to .data/medchat in the project folder, whatever the working directory (the CLI opens the same)', () => {
    expect(DEFAULT_DATA_DIR).toBe(join(import.meta.dir, '..', '..', '.data', 'medchat'));
    expect(loadConfig({ MEDCHAT_DATA_DIR: '' }).dataDir).toBe(DEFAULT_DATA_DIR);
    expect(loadConfig({ MEDCHAT_DATA_DIR: '/srv/medchat' }).dataDir).toBe('/srv/medchat');
    expect(loadConfig({ MEDCHAT_DATA_DIR: 'memory://' }).dataDir).toBe('memory://');
  });

  test('numbers as written, fractions where a rate allows them', () => {
    const config = loadConfig({ PORT: '8080', TRUST_PROXY: '2', SIGN_INS_PER_MINUTE: '0.5', LOG_LEVEL: 'silent', DATABASE_URL: 'postgres://db/medchat' });
    expect(config).toMatchObject({
      port: 8080,
      publicUrl: 'http://localhost:8080',
      trustProxy: 2,
      signInsPerMinute: 0.5,
      logLevel: 'silent',
      databaseUrl: 'postgres://db/medchat',
    });
  });

  test('a bad value names the variable, what was given and what is expected', () => {
    expect(refusal({ PORT: 'abc' }).message).toContain('PORT="abc": expected a port number from 0 to 65535');
    expect(refusal({ HTTP_REQUESTS_PER_SECOND: 'fast' }).message).toContain('HTTP_REQUESTS_PER_SECOND="fast": expected a number greater than 0');
    expect(refusal({ LOG_LEVEL: 'verbose' }).message).toContain('LOG_LEVEL="verbose": expected debug, info, warn, error, silent');
    expect(refusal({ DATABASE_URL: 'mysql://x' }).message).toContain('DATABASE_URL="mysql://x": expected a postgres:// URL');
  });

  test('traces: off unless an OTLP endpoint is set; a bad endpoint or sampling ratio is refused by name', () => {
    const plain = loadConfig({});
    expect([plain.otlpEndpoint, plain.otlpTracesEndpoint]).toEqual([undefined, undefined]);
    expect(plain).toMatchObject({ serviceName: 'medchat', tracesSampleRatio: 1 });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_SAMPLER_ARG: '0.25' })).toMatchObject({
      otlpEndpoint: 'http://collector:4318',
      tracesSampleRatio: 0.25,
    });
    expect(refusal({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }).message).toContain(
      'OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318": expected an http:// or https:// URL',
    );
    expect(refusal({ OTEL_TRACES_SAMPLER_ARG: '2' }).message).toContain('OTEL_TRACES_SAMPLER_ARG="2": expected a number from 0 to 1');
  });

  test('METRICS_TOKEN: at least 16 characters, and a refused one is never repeated in the message', () => {
    const message = refusal({ METRICS_TOKEN: 'short-secret' }).message;
    expect(message).toContain('METRICS_TOKEN=(12 characters, not shown): expected a secret of at least 16 characters');
    expect(message).not.toContain('short-secret');
    expect(loadConfig({ METRICS_TOKEN: 'a-long-enough-secret', METRICS_PORT: '9464' })).toMatchObject({
      metricsToken: 'a-long-enough-secret',
      metricsPort: 9464,
      metricsHost: '127.0.0.1',
    });
    expect(refusal({ METRICS_PORT: '70000' }).message).toContain('METRICS_PORT="70000": expected a port number');
  });

  test('TRUST_PROXY is a hop count: the old "true" or a negative number is refused', () => {
    expect(refusal({ TRUST_PROXY: 'true' }).message).toContain('TRUST_PROXY="true": expected the number of proxies');
    expect(refusal({ TRUST_PROXY: '-1' }).problems).toHaveLength(1);
  });

  test('what Number() would turn into something else is refused: hex, exponents, trailing text, fractions of a whole number, zero rates', () => {
    for (const [name, value] of [
      ['PORT', '0x10'],
      ['PORT', '1e3'],
      ['PORT', '80abc'],
      ['PORT', '70000'],
      ['STAFF_TOKEN_TTL', '3600.5'],
      ['SWEEP_INTERVAL_MS', 'Infinity'],
      ['SOCKET_FRAMES_PER_SECOND', '0'],
    ] as const) {
      const error = refusal({ [name]: value });
      expect(error.problems).toEqual([expect.stringContaining(`${name}=${JSON.stringify(value)}: expected`)]);
    }
  });

  test('every bad variable at once, each named once', () => {
    const { problems } = refusal({ PORT: 'x', SIGN_INS_PER_MINUTE: '-5', LOG_LEVEL: 'loud' });
    expect(problems.map((p) => p.split('=')[0])).toEqual(['PORT', 'LOG_LEVEL', 'SIGN_INS_PER_MINUTE']);
  });
});

describe('start-up', () => {
  test('the server refuses to start on a bad value: exit code 1 and the message on stderr, before opening anything', async () => {
    const proc = Bun.spawn([process.execPath, join(import.meta.dir, 'index.ts')], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', HTTP_REQUESTS_PER_SECOND: 'lots', LOG_LEVEL: 'silent' },
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const timer = setTimeout(() => proc.kill(), 20_000);
    const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    clearTimeout(timer);
    expect(stderr).toContain('HTTP_REQUESTS_PER_SECOND="lots": expected a number greater than 0');
    expect(code).toBe(1);
  }, 30_000);
});
