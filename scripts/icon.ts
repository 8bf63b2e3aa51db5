/**
 * `npm run icon`: renders media/icon.svg to media/icon.png (128 x 128), the icon the
 * extension page and the extensions list show (VS Code wants a PNG there, not an SVG).
 * Chromium draws it, driven by playwright-core, the same browser the end-to-end suite uses
 * (test/e2e/setup.sh installs it; PRUNELENS_E2E_CHROMIUM names another). Run it again
 * after changing the SVG and commit both files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { launchBrowser } from '../test/e2e/browser';

const ROOT = path.join(__dirname, '..');
const SIZE = 128;

export async function renderIcon(svgFile: string, pngFile: string): Promise<void> {
  const svg = fs.readFileSync(svgFile, 'utf8');
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: SIZE, height: SIZE } });
    // The SVG as the whole page, on a transparent background, so the rounded corners stay see-through.
    await page.setContent(`<!DOCTYPE html><html><body style="margin:0;background:transparent">${svg}</body></html>`);
    await page.locator('svg').screenshot({ path: pngFile, omitBackground: true });
  } finally {
    await browser.close();
  }
}

if (require.main === module) {
  const svg = path.join(ROOT, 'media', 'icon.svg');
  const png = path.join(ROOT, 'media', 'icon.png');
  renderIcon(svg, png).then(
    () => console.log(`${path.relative(process.cwd(), png)}: ${fs.statSync(png).size} bytes`),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
