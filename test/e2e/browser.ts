/**
 * Debian's Chromium driven by playwright-core (which never downloads a browser of its own).
 * The flags keep a headless browser from reaching out to a network it does not have:
 * without them it keeps opening connections for updates, sync and field trials.
 */
import { chromium, type Browser } from 'playwright-core';

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchBrowser(): Promise<Browser> {
  const executablePath = process.env['PRUNELENS_E2E_CHROMIUM'] ?? '/usr/bin/chromium';
  return chromium.launch({ executablePath, headless: true, args: FLAGS });
}
