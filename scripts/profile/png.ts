/*
 * SVG to PNG with Debian's headless Chromium, driven by playwright-core (a devDependency).
 * One browser for all the images of a run; the page is sized to the SVG's own width/height.
 * Without /usr/bin/chromium the PNGs are skipped: renderPngs() says why instead of failing.
 */
import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** The width and height attributes of an SVG document's root element. */
export function svgSize(svg: string): { width: number; height: number } {
  const m = /<svg\b[^>]*\bwidth="(\d+(?:\.\d+)?)"[^>]*\bheight="(\d+(?:\.\d+)?)"/.exec(svg);
  return m ? { width: Math.ceil(Number(m[1])), height: Math.ceil(Number(m[2])) } : { width: 1200, height: 800 };
}

/**
 * Renders each [svgPath, pngPath] pair. Returns '' when all were written, else a message
 * (no Chromium, or the error) and writes none of the remaining ones.
 */
export async function renderPngs(pairs: Array<[string, string]>): Promise<string> {
  if (pairs.length === 0) return '';
  if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} not found: PNG skipped (apt-get install chromium); the SVG opens in any browser`;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 60_000 });
  try {
    for (const [svgPath, pngPath] of pairs) {
      const { width, height } = svgSize(fs.readFileSync(svgPath, 'utf8'));
      const page = await browser.newPage({ viewport: { width, height } });
      try {
        await page.goto(pathToFileURL(svgPath).href);
        await page.screenshot({ path: pngPath, clip: { x: 0, y: 0, width, height } });
      } finally {
        await page.close();
      }
    }
    return '';
  } catch (e) {
    return `PNG rendering failed: ${(e as Error).message.split('\n')[0]}`;
  } finally {
    await browser.close();
  }
}
