import type { QueueStatus } from '@medchat/sdk/patient';
import type { Translation } from '../../translations';
import { waitMinutes } from '../../utils/format';

/**
 * The lines under "You are in the queue": position, then estimated wait (none until the first answer). While nobody
 * is available the widget shows instead how the patient will read the answer (medchat-widget.component.ts).
 */
export function queueLines(queue: QueueStatus | null, t: Translation): string[] {
  if (!queue) return [];
  // No number the clinic's history can back (too little of it, or closed): none at all.
  if (queue.estimatedWaitSeconds === null) return [t.queuePosition(queue.position), t.queueNoEstimate];
  const minutes = waitMinutes(queue.estimatedWaitSeconds);
  return [t.queuePosition(queue.position), minutes ? t.queueEstimate(minutes) : t.queueEstimateSoon];
}
