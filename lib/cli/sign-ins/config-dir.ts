import {homedir} from 'node:os';
import {join} from 'node:path';

/**
The folder of the CLI's stored sign-ins: `$XDG_CONFIG_HOME/got-arcgis-auth` when that is set (on any
platform, as tools that honour it do), else the platform's usual place: `%APPDATA%` on Windows,
`~/Library/Application Support` on macOS, `~/.config` elsewhere.
*/
export function configDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
	const xdg = env.XDG_CONFIG_HOME;
	if (xdg !== undefined && xdg.trim() !== '') {
		return join(xdg, 'got-arcgis-auth');
	}

	const home = env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir();
	if (platform === 'win32') {
		return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'got-arcgis-auth');
	}

	return platform === 'darwin' ? join(home, 'Library', 'Application Support', 'got-arcgis-auth') : join(home, '.config', 'got-arcgis-auth');
}
