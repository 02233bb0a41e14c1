import type { RedisQueueStore } from '../../data-access/redis-queue/queue.store';
import type { AdmissionLimit } from '../../domain/admission-limit';
import { concertOfToken } from '../../domain/queue-line';
import type { WaitingRoom } from '../../domain/waiting-room';

/** What the queue routes use of one line: its store, this process's waiting room in it, its admission limit. */
export interface LineParts {
  store: Pick<RedisQueueStore, 'issue' | 'leave' | 'counts'>;
  /** This process's waiters of the line: long-polls and event streams wait in it for their admission. */
  room: WaitingRoom;
  /** The line's admission limit in force and why it last moved. */
  admissionLimit: AdmissionLimit;
  /** Called when a request freed one of the line's active slots, so the next in line are admitted at once. */
  onSlotFreed?: () => void;
  /** The line's on-sale time (epoch ms), if it has one (a concert's, from booking). */
  opensAt?: () => Promise<number | undefined>;
}

/** The concerts' lines (the site-wide line is the routes' own `LineParts`). */
export interface LineDirectory {
  /** The concert's line, opened on this process if it was not; undefined when booking lists no such concert. */
  forConcert(concertId: string): Promise<LineParts | undefined>;
  /** Every concert line open on this process, with its concert. */
  open(): { concertId: string; line: LineParts }[];
}

/** The line a token was issued by: its concert's, or `site` for the site-wide line's tokens; undefined for an unknown concert. */
export async function lineOfToken(site: LineParts, lines: LineDirectory | undefined, token: string): Promise<LineParts | undefined> {
  const concertId = concertOfToken(token);
  if (concertId === undefined) return site;
  return lines?.forConcert(concertId);
}
