import { DOUBLE_FIELD } from '../kernel/double-field.ts';
import type { Simulator } from '../kernel/simulator.ts';
import { clockDomain, type ClockDomain } from '../kernel/clock.ts';
import { parseAddressMapping, decodeAddress, type AddressMapping, type DecodedAddress } from './address-mapping.ts';
import { CommandLog } from './command-log.ts';
import { Controller, type ControllerListener } from './controller.ts';
import type { MemRequest } from './request.ts';
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
  declare readonly id: number;
  declare readonly addr: number;
  declare readonly isWrite: boolean;
  declare readonly arrivalCycle: number;
  declare readonly rank: number;
  declare readonly bankGroup: number;
  declare readonly bank: number;
  declare readonly row: number;
  declare readonly column: number;
  declare readonly bankIndex: number;

  constructor(id: number, addr: number, isWrite: boolean, arrivalCycle: number, d: DecodedAddress, bankIndex: number) {
    this.id = id;
    // addr and arrivalCycle: double fields from the start (DOUBLE_FIELD says why: addresses past 2^31 and cycles
    // read from a Float64Array are doubles to V8), then their values.
    this.addr = DOUBLE_FIELD;
    this.isWrite = isWrite;
    this.arrivalCycle = DOUBLE_FIELD;
    this.addr = addr;
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

  /** Hands a request to its controller at memory cycle `cycle` (call canAccept first). */
  submit(addr: number, isWrite: boolean, cycle: number): MemRequest {
    return this.submitDecoded(addr, isWrite, cycle, decodeAddress(this.mapping, addr, this.scratch));
  }

  private submitDecoded(addr: number, isWrite: boolean, cycle: number, d: DecodedAddress): MemRequest {
    const o = this.std.organization;
    const req = new Request(this.nextId++, addr, isWrite, cycle, d, (d.rank * o.bankGroups + d.bankGroup) * o.banksPerGroup + d.bank);
    this.controllers[d.channel]!.submit(req, cycle);
    return req;
  }

  onSpace(channel: number, cycle: number): void {
    this.client?.onSpace(channel, cycle);
  }

  onComplete(req: MemRequest, doneCycle: number): void {
    this.client?.onComplete(req, doneCycle);
  }
}
