/** Chat rows: persisted throughput and latency at a small and a large number of sessions, beside the raw relay. */
import { createEmployees, type Staff } from '../lib/api';
import { cpuTimeMs, startLoad, startRelayProcess, startServerProcess, type ServerProc } from '../lib/procs';
import type { Unit } from '../lib/report';
import { errorText } from '../lib/util';
import { P, TARGETS, begin, failRows, ms, perSessionRate, progress, row, rows } from '../lib/suite';

/**
 * The chat rows measure what the server can persist and deliver, so the per-socket frame limit (20/s by default,
 * which alone caps 100 sessions at 2,000 msgs/s) is raised for that server; the load paces at 90 % of it.
 */
export const CHAT_FRAMES_PER_SECOND = 2000;

export function chatSpecs(tag: 'small' | 'large', n: number) {
  const rate = n * perSessionRate;
  const latTarget = (q: string) => (q === 'p99' && tag === 'large' ? `≤ ${TARGETS.p99Ms} ms at ${TARGETS.p99Rate.toLocaleString('en-US')} msgs/s` : '');
  return [
    {
      id: `chat.${tag}.throughput`,
      label: `persisted throughput, ${n.toLocaleString('en-US')} sessions`,
      unit: 'msgs/s' as Unit,
      target: `≥ ${TARGETS.throughputRatio}× relay`,
      floorLabel: 'raw relay',
    },
    ...(['p50', 'p95', 'p99'] as const).map((q) => ({
      id: `chat.${tag}.latency_${q}`,
      label: `latency ${q}, ${rate.toLocaleString('en-US')} msgs/s over ${n.toLocaleString('en-US')} sessions`,
      unit: 'ms' as Unit,
      target: latTarget(q),
      floorLabel: 'raw relay',
    })),
  ];
}

/**
 * A chat run, and the CPU time its server process used during the throughput phase (from the generator's progress
 * line that starts it to the one that starts the latency phase), per message acked in that phase.
 */
async function chatRun(mode: 'medchat' | 'relay', server: ServerProc, n: number, staff: Staff[]) {
  let cpuAtStart: number | null = null;
  let cpuMs: number | null = null;
  const load = startLoad(
    'chat',
    {
      mode,
      base: server.base,
      ws: server.ws,
      sessions: n,
      employees: mode === 'medchat' ? staff : staff.length,
      throughputMs: P.throughputMs,
      warmupMs: P.warmupMs,
      latencyMs: P.latencyMs,
      offeredRate: n * perSessionRate,
      window: Math.max(1, Math.min(P.window, Math.ceil(400 / n))),
      drainMs: P.drainMs,
      framesPerSecond: CHAT_FRAMES_PER_SECOND * 0.9,
    },
    (t) => {
      if (t.includes(': throughput over')) cpuAtStart = cpuTimeMs(server.pid);
      else if (t.includes(': latency at') && cpuAtStart !== null) cpuMs = cpuTimeMs(server.pid) - cpuAtStart;
      progress(`${mode}, ${n} sessions: ${t}`);
    },
    P.loadMaxMs,
  );
  try {
    const result = await load.result;
    return { ...result, cpuUsPerMessage: cpuMs !== null && result.throughput.acked ? (cpuMs * 1000) / result.throughput.acked : null };
  } finally {
    await load.stop();
  }
}

async function chat(server: ServerProc, staff: Staff[]) {
  for (const [tag, n] of [
    ['small', P.small],
    ['large', P.large],
  ] as const) {
    begin(`chat at ${n} sessions`);
    const specs = chatSpecs(tag, n);
    let relay: any = null;
    let relayError = '';
    const relayProc = await startRelayProcess().catch((e) => {
      relayError = errorText(e);
      return null;
    });
    if (relayProc) {
      try {
        relay = await chatRun('relay', relayProc, n, staff);
      } catch (error) {
        relayError = errorText(error);
      } finally {
        await relayProc.stop();
      }
    }
    let med: any;
    try {
      med = await chatRun('medchat', server, n, staff);
    } catch (error) {
      failRows(specs, errorText(error));
      continue;
    }
    const ceiling = n * CHAT_FRAMES_PER_SECOND * 0.9;
    const floorNote = relay ? '' : `; relay floor not measured: ${relayError}`;
    const perMessage = (r: any) => (typeof r?.cpuUsPerMessage === 'number' ? `${Math.round(r.cpuUsPerMessage)} µs` : '–');
    const tpNote = [
      `server CPU per message ${perMessage(med)} (relay ${perMessage(relay)})`,
      `acked after commit; ack p50 ${ms(med.throughput.ackP50)}, p99 ${ms(med.throughput.ackP99)} with ${Math.max(1, Math.min(P.window, Math.ceil(400 / n)))} in flight per session; ${Math.round(med.throughput.deliveredPerSecond).toLocaleString('en-US')} msgs/s delivered to employees`,
      `per-socket frame limit raised to ${CHAT_FRAMES_PER_SECOND.toLocaleString('en-US')}/s for this server (SOCKET_FRAMES_PER_SECOND)`,
      med.throughput.msgsPerSecond > ceiling * 0.8 ? `near that limit (about ${ceiling.toLocaleString('en-US')} msgs/s)` : '',
      med.errors ? `${med.errors} error frames (${med.firstError})` : '',
    ]
      .filter(Boolean)
      .join('; ');
    row({
      ...specs[0]!,
      value: med.throughput.msgsPerSecond,
      floor: relay?.throughput.msgsPerSecond ?? null,
      met: relay ? med.throughput.msgsPerSecond / relay.throughput.msgsPerSecond >= TARGETS.throughputRatio : null,
      note: tpNote + floorNote,
    });
    const lat = med.latency;
    const latNote = `offered ${lat.offered.toLocaleString('en-US')} msgs/s (sent at ${Math.round(lat.achievedSendRate).toLocaleString('en-US')}/s), ${lat.received}/${lat.sent} delivered${lat.lost ? `, ${lat.lost} not delivered within ${P.drainMs / 1000} s (counted as infinite)` : ''}; max ${lat.max === null ? '∞' : lat.max.toFixed(1) + ' ms'}`;
    for (const [i, q] of (['p50', 'p95', 'p99'] as const).entries()) {
      const spec = specs[i + 1]!;
      const value = lat[q] as number | null;
      const fl = relay ? (relay.latency[q] as number | null) : null;
      const targeted = spec.target !== '';
      if (value === null) {
        rows.push({ ...spec, value: null, floor: fl, ratio: null, met: targeted ? false : null, note: latNote, notMeasured: undefined });
        rows[rows.length - 1]!.note = `${latNote}; ${q} beyond the drain timeout`;
        continue;
      }
      row({
        ...spec,
        value,
        floor: fl,
        met: targeted ? value <= TARGETS.p99Ms && lat.offered >= TARGETS.p99Rate : null,
        note:
          q === 'p99'
            ? latNote +
              (targeted && lat.offered < TARGETS.p99Rate
                ? `; this run offered less than ${TARGETS.p99Rate} msgs/s (quick mode or --rate), so the target is not met by definition`
                : '')
            : undefined,
      });
    }
  }
}

export const chatSpecsAll = () => [...chatSpecs('small', P.small), ...chatSpecs('large', P.large)];

/** Both chat sizes on one server process of their own, with enough employees for the large one. */
export async function chatSection(databaseUrl: string) {
  try {
    const server = await startServerProcess(databaseUrl, { SOCKET_FRAMES_PER_SECOND: String(CHAT_FRAMES_PER_SECOND) });
    try {
      const employees = Math.ceil(P.large / 20);
      const capacity = Math.min(50, Math.ceil((P.large * 1.1) / employees));
      progress(`creating ${employees} employees of capacity ${capacity}`);
      const staff = await createEmployees(server.base, employees, capacity, 'chat');
      await chat(server, staff);
    } finally {
      await server.stop();
    }
  } catch (error) {
    failRows(chatSpecsAll(), errorText(error));
  }
}
