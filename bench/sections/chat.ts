/** Chat rows: persisted throughput and latency at a small and a large number of sessions, beside the raw relay. */
import { createEmployees, type Staff } from '../lib/api';
import { cpuTimeMs, startLoad, startRelayProcess, startServerProcess, type ServerProc } from '../lib/procs';
import type { Unit } from '../lib/report';
import { errorText } from '../lib/util';
import { P, TARGETS, begin, failRows, ms, perSessionRate, progress, rateOverride, row, rows } from '../lib/suite';

/**
 * The chat rows measure what the server can persist and deliver, so the per-socket frame limit (20/s by default,
 * which alone caps 100 sessions at 2,000 msgs/s) is raised for that server; the load paces at 90 % of it.
 */
export const CHAT_FRAMES_PER_SECOND = 2000;

/** The large latency row offers half of what MedChat persisted at that size in the same run (unless `--rate`). */
const atShareOfCapacity = (tag: 'small' | 'large') => tag === 'large' && rateOverride === null;

export function chatSpecs(tag: 'small' | 'large', n: number) {
  const sessions = `${n.toLocaleString('en-US')} sessions`;
  const load = atShareOfCapacity(tag)
    ? `${TARGETS.latencyLoadShare}× the persisted throughput over ${sessions}`
    : `${(n * perSessionRate).toLocaleString('en-US')} msgs/s over ${sessions}`;
  return [
    {
      id: `chat.${tag}.throughput`,
      label: `persisted throughput, ${sessions}`,
      unit: 'msgs/s' as Unit,
      target: `≥ ${TARGETS.throughputRatio}× relay`,
      floorLabel: 'raw relay',
    },
    {
      id: `chat.${tag}.cpu`,
      label: `server CPU per persisted message, ${sessions}`,
      unit: 'µs' as Unit,
      target: `≤ ${TARGETS.cpuRatio}× relay`,
      floorLabel: 'raw relay, per relayed message',
    },
    ...(['p50', 'p95', 'p99'] as const).map((q) => ({
      id: `chat.${tag}.latency_${q}`,
      label: `latency ${q}, ${load}`,
      unit: 'ms' as Unit,
      target: q === 'p99' && tag === 'large' ? `≤ ${TARGETS.p99Ratio}× relay at the same rate` : '',
      floorLabel: 'raw relay, same rate',
    })),
  ];
}

/**
 * A chat run, and the CPU time its server process used during the throughput phase (from the generator's progress
 * line that starts it to the one that starts the latency phase), per message acked in that phase.
 */
async function chatRun(mode: 'medchat' | 'relay', server: ServerProc, n: number, staff: Staff[], offeredRate: number | { shareOfThroughput: number }) {
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
      offeredRate,
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

/**
 * MedChat first, then the relay: the relay's latency phase offers the rate MedChat's did, which for the large row
 * is a share of MedChat's own throughput in this run, so both are compared at one rate.
 */
async function chat(server: ServerProc, staff: Staff[]) {
  for (const [tag, n] of [
    ['small', P.small],
    ['large', P.large],
  ] as const) {
    begin(`chat at ${n} sessions`);
    const specs = chatSpecs(tag, n);
    let med: any;
    try {
      med = await chatRun('medchat', server, n, staff, atShareOfCapacity(tag) ? { shareOfThroughput: TARGETS.latencyLoadShare } : n * perSessionRate);
    } catch (error) {
      failRows(specs, errorText(error));
      continue;
    }
    let relay: any = null;
    let relayError = '';
    const relayProc = await startRelayProcess().catch((e) => {
      relayError = errorText(e);
      return null;
    });
    if (relayProc) {
      try {
        relay = await chatRun('relay', relayProc, n, staff, med.latency.offered);
      } catch (error) {
        relayError = errorText(error);
      } finally {
        await relayProc.stop();
      }
    }
    const ceiling = n * CHAT_FRAMES_PER_SECOND * 0.9;
    const floorNote = relay ? '' : `; relay floor not measured: ${relayError}`;
    const inFlight = Math.max(1, Math.min(P.window, Math.ceil(400 / n)));
    const tpNote = [
      `acked after commit; ack p50 ${ms(med.throughput.ackP50)}, p99 ${ms(med.throughput.ackP99)} with ${inFlight} in flight per session; ${Math.round(med.throughput.deliveredPerSecond).toLocaleString('en-US')} msgs/s delivered to employees`,
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
    const cpu = typeof med.cpuUsPerMessage === 'number' ? med.cpuUsPerMessage : null;
    const relayCpu = typeof relay?.cpuUsPerMessage === 'number' ? relay.cpuUsPerMessage : null;
    if (cpu === null) failRows([specs[1]!], 'the server process’s CPU time could not be read from /proc');
    else
      row({
        ...specs[1]!,
        value: cpu,
        floor: relayCpu,
        met: relayCpu ? cpu <= TARGETS.cpuRatio * relayCpu : null,
        note: `CPU time (user + system, /proc) of the server process over the throughput phase ÷ messages acked in it${floorNote}`,
      });
    const lat = med.latency;
    const latNote = `offered ${lat.offered.toLocaleString('en-US')} msgs/s (sent at ${Math.round(lat.achievedSendRate).toLocaleString('en-US')}/s), ${lat.received}/${lat.sent} delivered${lat.lost ? `, ${lat.lost} not delivered within ${P.drainMs / 1000} s (counted as infinite)` : ''}; max ${lat.max === null ? '∞' : `${lat.max.toFixed(1)} ms`}${atShareOfCapacity(tag) ? `, ${TARGETS.latencyLoadShare}× the ${Math.round(med.throughput.msgsPerSecond).toLocaleString('en-US')} msgs/s persisted above` : ''}${relay ? `; relay at the same rate: p50 ${ms(relay.latency.p50)}, p99 ${ms(relay.latency.p99)}` : floorNote}`;
    for (const [i, q] of (['p50', 'p95', 'p99'] as const).entries()) {
      const spec = specs[i + 2]!;
      const value = lat[q] as number | null;
      const fl = relay ? (relay.latency[q] as number | null) : null;
      const targeted = spec.target !== '';
      const note = q === 'p99' ? latNote : undefined;
      if (value === null) {
        rows.push({
          ...spec,
          value: null,
          floor: fl,
          ratio: null,
          met: targeted ? false : null,
          note: `${latNote}; ${q} beyond the drain timeout`,
          notMeasured: undefined,
        });
        continue;
      }
      row({ ...spec, value, floor: fl, met: targeted && fl !== null ? value <= TARGETS.p99Ratio * fl : null, note });
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
