import { DOUBLE_FIELD } from '../kernel/double-field.ts';
import type { Simulator } from '../kernel/simulator.ts';
import { clockDomain, type ClockDomain } from '../kernel/clock.ts';
import { parseAddressMapping, decodeAddress, type AddressMapping, type DecodedAddress } from './address-mapping.ts';
import { CommandLog } from './command-log.ts';
import { Controller, type ControllerListener } from './controller.ts';
import type { MemRequest } from './request.ts';
import { invariant } from '../spec/errors.ts';
import type { ControllerSpec, DramStandard } from './standard.ts';

/** Receives completions from the memory system. */
export interface MemoryClient {
  /** Space appeared in `channel`'s transaction queues. */
  onSpace(channel: number, cycle: number): void;
  /** A request completed at `doneCycle` (a future cycle when called at issue time). */
  onComplete(req: MemRequest, doneCycle: number): void;
}

/** A request as the controllers take it: every MemRequest of a run is one of these, so all share one V8 map. */
class Request implements MemRequest {
  // Declared only: the constructor adds each field with its first value (a class field would start as undefined).
  // Writable here (readonly to everyone else through MemRequest) so that reset can reuse a completed request.
  declare id: number;
  declare addr: number;
  declare isWrite: boolean;
  declare arrivalCycle: number;
  declare rank: number;
  declare bankGroup: number;
  declare bank: number;
  declare row: number;
  declare column: number;
  declare bankIndex: number;

  constructor(id: number, addr: number, isWrite: boolean, arrivalCycle: number, d: DecodedAddress, bankIndex: number) {
    this.id = id;
    // addr and arrivalCycle: double fields from the start (DOUBLE_FIELD says why: addresses past 2^31 and cycles
    // read from a Float64Array are doubles to V8), then their values.
    this.addr = DOUBLE_FIELD;
    this.isWrite = isWrite;
    this.arrivalCycle = DOUBLE_FIELD;
    // Then every field's value, in the constructor's field order (id, addr, isWrite and arrivalCycle exist already).
    this.reset(id, addr, isWrite, arrivalCycle, d, bankIndex);
  }

  /** Makes this (completed) request a new one, as the constructor would: every field gets its value. */
  reset(id: number, addr: number, isWrite: boolean, arrivalCycle: number, d: DecodedAddress, bankIndex: number): void {
    this.id = id;
    this.addr = addr;
    this.isWrite = isWrite;
    this.arrivalCycle = arrivalCycle;
    this.rank = d.rank;
    this.bankGroup = d.bankGroup;
    this.bank = d.bank;
    this.row = d.row;
    this.column = d.column;
    this.bankIndex = bankIndex;
  }
}

/** The DRAM side of a system: one controller per channel, an address mapping, a clock domain. */
export class MemorySystem implements ControllerListener {
  readonly clock: ClockDomain;
  readonly mapping: AddressMapping;
  readonly controllers: Controller[];
  readonly logs: CommandLog[];
  private readonly scratch: DecodedAddress = { channel: 0, rank: 0, bankGroup: 0, bank: 0, row: 0, column: 0 };
  private nextId = 0;
  client: MemoryClient | undefined;
  /**
   * Set by whoever owns every client of this memory system (runDram) when none keeps a request past its onComplete
   * and none calls submit (which returns one): each completed request is then reused for a later one. Speed hack: a trace's requests stop being allocated one by
   * one, so the young generation no longer fills with them and storing one into a controller's long-lived lists
   * no longer takes V8's write barrier's slow path (a young object stored into an old one); see docs/validation.md,
   * "The command line, whole process", fifth pass. The controllers hold no request after completing it.
   */
  recycleRequests = false;
  /** Completed requests waiting for reuse (recycleRequests). */
  private readonly free: Request[] = [];

  constructor(sim: Simulator, readonly std: DramStandard, readonly config: ControllerSpec, opts: { commandLog?: boolean } = {}) {
    this.clock = clockDomain('dram', std.tCKPs);
    this.mapping = parseAddressMapping(config.addressMapping, std.organization, `${std.file}: controller.addressMapping`);
    this.logs = [];
    this.controllers = [];
    for (let ch = 0; ch < std.organization.channels; ch++) {
      const log = opts.commandLog ? new CommandLog(ch) : undefined;
      if (log) this.logs.push(log);
      const ctrl = new Controller(sim, std, config, ch, this, log);
      ctrl.attach(sim.add(ctrl));
      this.controllers.push(ctrl);
    }
  }

  /** Channel that `addr` maps to. */
  channelOf(addr: number): number {
    return decodeAddress(this.mapping, addr, this.scratch).channel;
  }

  /** Whether the controller of `addr`'s channel takes a new request now. */
  canAccept(addr: number, isWrite: boolean): boolean {
    return this.controllers[this.channelOf(addr)]!.canAccept(isWrite);
  }

  /** Hands a request to its controller at memory cycle `cycle` if its queue has room; returns whether it did. */
  trySubmit(addr: number, isWrite: boolean, cycle: number): boolean {
    const d = decodeAddress(this.mapping, addr, this.scratch);
    if (!this.controllers[d.channel]!.canAccept(isWrite)) return false;
    this.submitDecoded(addr, isWrite, cycle, d);
    return true;
  }

  /**
   * Hands a request to its controller at memory cycle `cycle` (call canAccept first) and returns it, so the caller
   * may keep it: not while recycleRequests is set.
   */
  submit(addr: number, isWrite: boolean, cycle: number): MemRequest {
    if (this.recycleRequests) invariant(false, 'MemorySystem.submit is not called while requests are recycled (the returned request would be reused)');
    return this.submitDecoded(addr, isWrite, cycle, decodeAddress(this.mapping, addr, this.scratch));
  }

  private submitDecoded(addr: number, isWrite: boolean, cycle: number, d: DecodedAddress): MemRequest {
    const o = this.std.organization;
    const bankIndex = (d.rank * o.bankGroups + d.bankGroup) * o.banksPerGroup + d.bank;
    let req = this.free.pop();
    if (req === undefined) req = new Request(this.nextId++, addr, isWrite, cycle, d, bankIndex);
    else req.reset(this.nextId++, addr, isWrite, cycle, d, bankIndex);
    this.controllers[d.channel]!.submit(req, cycle);
    return req;
  }

  onSpace(channel: number, cycle: number): void {
    this.client?.onSpace(channel, cycle);
  }

  onComplete(req: MemRequest, doneCycle: number): void {
    this.client?.onComplete(req, doneCycle);
    // Every request of this memory system is a Request (submitDecoded makes them all).
    if (this.recycleRequests) this.free.push(req as Request);
  }
}
