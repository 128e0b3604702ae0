import type { QueueStatus } from '@medchat/sdk';
import type { Translation } from '../../translations';
import { waitMinutes } from '../../utils/format';

/** The lines under "You are in the queue": position, then estimated wait (none until the first answer). */
export function queueLines(queue: QueueStatus | null, t: Translation): string[] {
  if (!queue) return [];
  const minutes = waitMinutes(queue.estimatedWaitSeconds);
  return [t.queuePosition(queue.position), minutes ? t.queueEstimate(minutes) : t.queueEstimateSoon];
}
