import { spawn } from 'node:child_process';

/**
 * Opens a URL in the user's browser when one is available: $BROWSER (the convention many tools share: a
 * command and its arguments, split on spaces), else the platform opener. The URL is always one argument of a
 * process started without a shell, so nothing in it is ever interpreted. Returns
 * false when there is nothing to open it with (a server, CI, SSH): the URL is printed either way.
 */
export function openInBrowser(url: string, env: NodeJS.ProcessEnv, platform = process.platform): boolean {
  let command: string;
  let args: string[];
  const browser = env.BROWSER?.split(/\s+/).filter(Boolean) ?? [];
  if (browser[0]) {
    command = browser[0];
    args = [...browser.slice(1), url];
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
