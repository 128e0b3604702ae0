/** Assignment rows: a storm of patients on one and on two server instances, checked for doubles and spread. */
import { createEmployees } from '../lib/api';
import { startLoad, startServerProcess, type ServerProc } from '../lib/procs';
import type { Unit } from '../lib/report';
import { errorText } from '../lib/util';
import { P, TARGETS, begin, failRows, freshDatabase, ms, progress, row } from '../lib/suite';

const ASSIGN_CAPACITY = 2;

export function assignSpecs(k: number) {
  const n = P.assign.toLocaleString('en-US');
  const where = `${k} instance${k > 1 ? 's' : ''}`;
  return {
    time: {
      id: `assign.${k}.time_to_all`,
      label: `assignment, ${where}: all ${n} assigned after`,
      unit: 'ms' as Unit,
      target: 'all assigned',
      floorLabel: 'capacity schedule',
    },
    lag: {
      id: `assign.${k}.lag_max`,
      label: `assignment, ${where}: longest wait once capacity existed`,
      unit: 'ms' as Unit,
      target: `≤ ${TARGETS.assignLagMs} ms`,
      floorLabel: '',
    },
    rate: { id: `assign.${k}.rate`, label: `assignment, ${where}: assignments/s`, unit: 'assignments/s' as Unit, target: '', floorLabel: 'capacity schedule' },
    double: { id: `assign.${k}.double`, label: `assignment, ${where}: double assignments`, unit: 'count' as Unit, target: '= 0', floorLabel: 'ideal' },
    spread: {
      id: `assign.${k}.spread`,
      label: `assignment, ${where}: load spread while patients wait`,
      unit: 'count' as Unit,
      target: `≤ ${TARGETS.spread}`,
      floorLabel: 'ideal',
    },
  };
}

export async function assignment(k: number) {
  begin(`assignment on ${k} instance${k > 1 ? 's' : ''}`);
  const specs = assignSpecs(k);
  const servers: ServerProc[] = [];
  try {
    progress('creating the database');
    const db = await freshDatabase();
    progress(`starting ${k} server process(es)`);
    for (let i = 0; i < k; i++) servers.push(await startServerProcess(db.url!));
    progress(`creating ${P.assignEmployees} employees of capacity ${ASSIGN_CAPACITY}`);
    const staff = await createEmployees(servers[0]!.base, P.assignEmployees, ASSIGN_CAPACITY, `a${k}`);
    const load = startLoad(
      'assign',
      {
        bases: servers.map((s) => s.base),
        wss: servers.map((s) => s.ws),
        employees: staff.map((s, i) => ({ ...s, instance: i % k })),
        capacity: ASSIGN_CAPACITY,
        sessions: P.assign,
        holdMinMs: P.holdMin,
        holdMaxMs: P.holdMax,
        databaseUrl: db.url,
        timeoutMs: P.assignTimeout,
      },
      (t) => progress(t),
      P.loadMaxMs,
    );
    let r: any;
    try {
      r = await load.result;
    } finally {
      await load.stop();
    }
    const trouble = [
      r.startErrors ? `${r.startErrors} starts failed (${r.firstStartError})` : '',
      r.endErrors ? `${r.endErrors} ends failed (${r.firstEndError})` : '',
    ]
      .filter(Boolean)
      .join('; ');
    row({
      ...specs.time,
      value: r.timeToAllMs,
      floor: r.idealMs,
      met: r.allAssigned,
      note: `${r.assigned}/${r.sessions} assigned; ${P.assignEmployees} employees × capacity ${ASSIGN_CAPACITY}, each patient ends ${P.holdMin}–${P.holdMax} ms after assignment; the floor is the moment the last needed slot was freed; the start burst took ${Math.round(r.burstMs)} ms${trouble ? `; ${trouble}` : ''}`,
    });
    row({
      ...specs.lag,
      value: r.lagMaxMs,
      floor: null,
      met: r.allAssigned && typeof r.lagMaxMs === 'number' && r.lagMaxMs <= TARGETS.assignLagMs,
      note: `k-th assignment seen by the employee − k-th slot freed (end request sent); p50 ${ms(r.lagP50Ms)}, p99 ${ms(r.lagP99Ms)}; sessions left waiting while a slot was free are picked up by an end's claim or the 2 s sweeper`,
    });
    row({ ...specs.rate, value: r.assignmentsPerSecond, floor: r.idealPerSecond, met: null });
    row({
      ...specs.double,
      value: r.doubleAssignments,
      floor: 0,
      ratio: null,
      met: r.doubleAssignments === 0 && r.overCapacitySamples === 0,
      note: `overlapping open periods of one session + max sessions with >1 open assignment over ${r.samples} polls; polls with an employee above capacity: ${r.overCapacitySamples}; sessions assigned more than once: ${r.sessionsHeldTwice}`,
    });
    row({
      ...specs.spread,
      value: r.spreadWhileWaiting,
      floor: 0,
      ratio: null,
      met: r.spreadWhileWaiting !== null && r.spreadWhileWaiting <= TARGETS.spread,
      note: `max − min load over available employees, in ${r.samplesWhileWaiting} polls while patients waited; assignments per employee over the run: ${r.perEmployeeMin}–${r.perEmployeeMax}`,
    });
  } catch (error) {
    failRows(Object.values(specs), errorText(error));
  } finally {
    for (const s of servers) await s.stop();
  }
}
