/**
 * `clinic.opened` / `clinic.closed` frames to every socket of a clinic on this instance. Each instance watches
 * only the clinics it has sockets of: it keeps, per clinic, whether it was open and when that next changes (a
 * cache, re-read from the database at that time; a clinic's first sweep here only learns it). The sweeper calls
 * `check` every sweep, so a frame leaves within one sweep interval of the hour; an admin's change of the hours
 * (`clinic.changed`) sends every socket of the clinic its status at once. A socket that connects reads the status
 * over HTTP first (the public clinic lookup), so what a frame would have said before the first sweep is not lost.
 */
import type { AppContext } from '../../context';
import { errorKind } from '../../lib/logger';
import { openingStatus } from '../clinics/hours-service';
import type { Connections } from './connections';
import { encode } from './frames';

interface Known {
  isOpen: boolean;
  /** When it may change next (epoch ms); Infinity for never. */
  until: number;
}

export class OpeningWatch {
  private readonly known = new Map<string, Known>();

  constructor(
    private readonly ctx: AppContext,
    private readonly connections: Connections,
  ) {}

  /** Clinics with a socket here whose opening or closing time has come (at `now`) get a frame if open/closed changed. */
  async check(now = this.ctx.clock()) {
    const clinics = new Set([...this.connections.staffByClinic.keys(), ...this.connections.patientsByClinic.keys()]);
    for (const clinicId of this.known.keys()) if (!clinics.has(clinicId)) this.known.delete(clinicId);
    for (const clinicId of clinics) {
      const before = this.known.get(clinicId);
      if (before && now.getTime() < before.until) continue;
      await this.refresh(clinicId, now, before !== undefined && ((isOpen) => isOpen !== before.isOpen));
    }
  }

  /** The clinic's hours changed: every socket of it here gets the status now. */
  changed(clinicId: string) {
    if (this.sockets(clinicId).length > 0) this.run(this.refresh(clinicId, this.ctx.clock(), () => true));
  }

  private run(work: Promise<void>) {
    work.catch((error) => this.ctx.logger.warn('opening.failed', errorKind(error)));
  }

  /** Reads the status; sends it when `shouldSend` says so (false: only learn the baseline). */
  private async refresh(clinicId: string, now: Date, shouldSend: false | ((isOpen: boolean) => boolean)) {
    const hours = await openingStatus(this.ctx, clinicId, now);
    const next = hours.isOpen ? hours.closesAt : hours.nextOpenAt;
    this.known.set(clinicId, { isOpen: hours.isOpen, until: next ? Date.parse(next) : Number.POSITIVE_INFINITY });
    if (!shouldSend || !shouldSend(hours.isOpen)) return;
    const frame = encode({ type: hours.isOpen ? 'clinic.opened' : 'clinic.closed', hours });
    for (const conn of this.sockets(clinicId)) this.connections.send(conn, frame);
  }

  private sockets(clinicId: string) {
    return [...this.connections.staffByClinic.get(clinicId), ...this.connections.patientsByClinic.get(clinicId)];
  }
}
