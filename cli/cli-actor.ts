import os from 'node:os';

/** The CLI has no token: the OS user stands for who acted, in task closings, goal versions and ownership changes. */
export function cliActor(): string {
  return `${os.userInfo().username} (npsloop CLI)`;
}
