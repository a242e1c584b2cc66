import { connect } from 'node:net';
import { isAbsolute, join } from 'node:path';

/**
 * Whether the desktop session's display still answers: a socket of the X display `DISPLAY` names (`:0` →
 * /tmp/.X11-unix/X0, or its abstract twin), or of the Wayland compositor (`$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY`). A
 * session that ended takes its display with it, while a launcher the logout did not end lives on (KillUserProcesses=no).
 * A display this cannot check (none named, a remote `host:0`) counts as there: the window is never given up on a guess.
 */
export async function displayPresent(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const displays = displaySockets(env);
  if (displays.length === 0) return true;
  for (const sockets of displays) for (const path of sockets) if (await accepts(path)) return true;
  return false;
}

/** Per display the session names, the sockets it answers on; none for one that is not local. */
export function displaySockets(env: NodeJS.ProcessEnv): string[][] {
  const displays: string[][] = [];
  const wayland = env['WAYLAND_DISPLAY'];
  const runtime = env['XDG_RUNTIME_DIR'];
  if (wayland) {
    if (isAbsolute(wayland)) displays.push([wayland]);
    else if (runtime) displays.push([join(runtime, wayland)]);
  }
  const x = /^(?:unix)?:(\d+)(?:\.\d+)?$/.exec(env['DISPLAY'] ?? '');
  if (x?.[1] !== undefined) displays.push([`/tmp/.X11-unix/X${x[1]}`, `\0/tmp/.X11-unix/X${x[1]}`]);
  return displays;
}

function accepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
