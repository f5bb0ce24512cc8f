import { spawn } from 'node:child_process';

/**
 * Opens a URL in the user's browser when one is available: $BROWSER (the convention many tools share; the
 * URL is passed as an argument, never through the shell's parser), else the platform opener. Returns
 * false when there is nothing to open it with (a server, CI, SSH): the URL is printed either way.
 */
export function openInBrowser(url: string, env: NodeJS.ProcessEnv, platform = process.platform): boolean {
  let command: string;
  let args: string[];
  if (env.BROWSER) {
    command = 'sh';
    args = ['-c', `${env.BROWSER} "$1"`, 'sh', url];
  } else if (platform === 'darwin') {
    command = 'open';
    args = [url];
  } else if (platform === 'win32') {
    command = 'rundll32';
    args = ['url.dll,FileProtocolHandler', url];
  } else if (env.DISPLAY || env.WAYLAND_DISPLAY) {
    command = 'xdg-open';
    args = [url];
  } else return false;
  const child = spawn(command, args, { stdio: 'ignore', detached: true, env: { ...process.env, ...env } });
  child.on('error', () => {}); // no opener installed: the printed URL still works
  child.unref();
  return true;
}
