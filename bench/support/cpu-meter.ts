import os from 'node:os';
import { childProcesses } from './child-processes.ts';

/** CPU used since the meter started. */
export interface CpuUse {
  /** Cores kept busy by this process. */
  ownCores: number;
  /** Cores kept busy by this process's children. */
  childrenCores: number;
  /** Share of the machine's CPU time that was busy, in percent (any process). */
  machineBusyPercent: number;
  machineCores: number;
}

function machineTimes(): { busy: number; idle: number } {
  return os.cpus().reduce((sum, { times }) => ({ busy: sum.busy + times.user + times.nice + times.sys + times.irq, idle: sum.idle + times.idle }), { busy: 0, idle: 0 });
}

const childrenCpuSeconds = () => childProcesses().reduce((sum, child) => sum + child.cpuSeconds, 0);

/** Starts measuring CPU use; each call of the returned function reads it since the start. */
export function startCpuMeter(): () => CpuUse {
  const start = { wall: performance.now(), own: process.cpuUsage(), children: childrenCpuSeconds(), machine: machineTimes() };
  return () => {
    const wall = performance.now() - start.wall;
    const own = process.cpuUsage(start.own);
    const machine = machineTimes();
    const busy = machine.busy - start.machine.busy;
    const idle = machine.idle - start.machine.idle;
    return {
      ownCores: (own.user + own.system) / 1000 / wall,
      childrenCores: ((childrenCpuSeconds() - start.children) * 1000) / wall,
      machineBusyPercent: (100 * busy) / (busy + idle),
      machineCores: os.cpus().length,
    };
  };
}
