// Who is on the other end of a loopback connection. The check's posing proxy
// serves only the browsers this cors-lab process launched: a request from any
// other process (another user's, or another program of the same user) is
// refused, so it can neither use the proxy as a relay nor be counted in a
// cell. Linux: the peer's socket is found in /proc/net/tcp{,6} by its port
// pair, and its owner among this process's descendants by /proc/<pid>/fd.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Socket } from 'node:net';

/** Whether the peer of `socket` (accepted by a server of this process on loopback) belongs to a process below this one. */
export function peerIsDescendant(socket: Socket): boolean {
  if (socket.remotePort === undefined || socket.localPort === undefined) return false;
  const inode = peerSocketInode(socket.remotePort, socket.localPort);
  if (inode === undefined) return false;
  const wanted = `socket:[${inode}]`;
  for (const pid of descendantsOf(process.pid)) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // ended, or not ours to read
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === wanted) return true;
      } catch {
        // closed while we looked
      }
    }
  }
  return false;
}

/** The inode of the socket whose local port is `peerPort` and remote port `ourPort` (the client's end of our connection). */
function peerSocketInode(peerPort: number, ourPort: number): string | undefined {
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines: string[];
    try {
      lines = readFileSync(table, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      if (fields[1]!.endsWith(`:${hex(peerPort)}`) && fields[2]!.endsWith(`:${hex(ourPort)}`)) return fields[9];
    }
  }
  return undefined;
}

/** Every process below `root`, from the parent field of /proc/<pid>/stat. */
function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
    } catch {
      // ended while we looked
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}
