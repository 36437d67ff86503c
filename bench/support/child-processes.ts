import fs from 'node:fs';

/** A child of this process, as its /proc/<pid>/stat describes it. */
export interface ChildProcess {
  pid: number;
  command: string;
  /** User plus system CPU time it has used so far. */
  cpuSeconds: number;
}

/** /proc counts CPU time in clock ticks of USER_HZ, which is 100 on Linux. */
const TICKS_PER_SECOND = 100;

/**
 * This process's children, read from /proc. Linux only: elsewhere there is no /proc to list them
 * from, and the list is empty.
 */
export function childProcesses(): ChildProcess[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const children: ChildProcess[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command is in parentheses and may hold either; the fields after it start at the state
      // (field 3): the parent pid is field 4, utime and stime are fields 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid) continue;
      children.push({
        pid: Number(entry),
        command: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
        cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
      });
    } catch {
      // Gone meanwhile.
    }
  }
  return children;
}
