import { invariant } from '../../spec/errors.ts';
import { RD, RDA, WR, WRA } from '../commands.ts';
import type { ControllerSpec } from '../standard.ts';

/**
 * A page policy: the column commands that serve a read and a write. The open policy leaves the row open for
 * later hits (RD, WR); the closed policy precharges with the access (RDA, WRA). Contract: a policy is data, read
 * once when the controller is built; the scheduler issues these commands and the controller closes the row after
 * an auto-precharge command.
 */
export interface PagePolicy {
  /** Name as ControllerSpec.pagePolicy spells it. */
  readonly name: ControllerSpec['pagePolicy'];
  /** Command that serves a read. */
  readonly readCommand: number;
  /** Command that serves a write. */
  readonly writeCommand: number;
}

/** The page policies by name; ControllerSpec.pagePolicy picks one. */
export const PAGE_POLICIES: Readonly<Record<ControllerSpec['pagePolicy'], PagePolicy>> = {
  open: { name: 'open', readCommand: RD, writeCommand: WR },
  closed: { name: 'closed', readCommand: RDA, writeCommand: WRA },
};

/** The page policy named `name` (the standard's loader has validated it). */
export function pagePolicy(name: ControllerSpec['pagePolicy']): PagePolicy {
  const p = PAGE_POLICIES[name];
  if (p === undefined) invariant(false, `page policy '${name}' is registered`);
  return p;
}
