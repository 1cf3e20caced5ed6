// Drives Debian's chromium through the dashboard of a running service: token, start a build, watch the
// bar advance, pause (the bar stands still), resume, wait for the end, then search the index by id and
// by an uploaded image and wait for the results' thumbnails to render. Started by DashboardBrowserTests,
// which runs the real service on loopback and checks what this script reports against the API.
//
// Environment: FSB_BASE_URL (http://127.0.0.1:PORT), FSB_TOKEN (a write token), FSB_ARTIFACTS (folder
// for screenshots), FSB_SEARCH_ID (a catalogue id to search by), FSB_SEARCH_IMAGE (an image file to
// upload), CHROMIUM (default /usr/bin/chromium). Prints one line "RESULT {json}" on success.
// Waits are on DOM conditions with generous bounds, never fixed sleeps.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const base = process.env.FSB_BASE_URL;
const token = process.env.FSB_TOKEN;
const artifacts = process.env.FSB_ARTIFACTS;
const searchId = process.env.FSB_SEARCH_ID;
const searchImage = process.env.FSB_SEARCH_IMAGE;
if (!base || !token || !artifacts || !searchId || !searchImage) {
  throw new Error('FSB_BASE_URL, FSB_TOKEN, FSB_ARTIFACTS, FSB_SEARCH_ID and FSB_SEARCH_IMAGE must be set');
}
mkdirSync(artifacts, { recursive: true });

const SHORT = 30_000;
const LONG = 300_000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  // Root in CI has no user namespace for chromium's sandbox; the page is the service's own.
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
});
const problems = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (error) => problems.push('page error: ' + error.message));
  page.on('console', (message) => {
    // Failed loads are judged by their URL below; anything else the console reports as an error is a
    // defect (a CSP violation above all).
    if (message.type() === 'error' && !/^Failed to load resource/.test(message.text())) {
      problems.push('console: ' + message.text());
    }
  });
  page.on('response', (response) => {
    const path = new URL(response.url()).pathname;
    const expected = (response.status() === 401 && path === '/jobs') // before the token is entered
      || (response.status() === 404 && path === '/indexes'); // a service without the index listing
    if (response.status() >= 400 && !expected) {
      problems.push(`HTTP ${response.status()} for ${path}`);
    }
  });

  await page.goto(base + '/dashboard', { waitUntil: 'domcontentloaded' });
  const landed = page.url();

  // No token yet: the page says one is needed.
  await page.locator('#status').filter({ hasText: 'needs an API token' }).waitFor({ timeout: SHORT });

  await page.fill('#token', token);
  await page.click('#token-save');
  await page.locator('#token-state').filter({ hasText: 'token set' }).waitFor({ timeout: SHORT });
  await page.locator('#status').waitFor({ state: 'hidden', timeout: SHORT });
  const storage = await page.evaluate(() => ({
    session: sessionStorage.getItem('fsb.apiToken'),
    localKeys: Object.keys(localStorage),
    cookies: document.cookie,
  }));
  const tokenInInput = await page.inputValue('#token');

  // The dashboard shows whether this service has the index listing; read it now, before the build.
  const indexesSectionHidden = await page.locator('#indexes-section').isHidden();

  await page.click('#start');
  const card = page.locator('article.job').first();
  await card.waitFor({ timeout: SHORT });
  const jobId = await card.getAttribute('data-job-id');
  const job = page.locator(`article.job[data-job-id="${jobId}"]`);

  const done = async () => Number(await job.getAttribute('data-done'));
  const bar = async () => job.locator('progress').evaluate((p) => ({
    value: p.hasAttribute('value') ? p.value : null, max: p.max,
  }));

  // The bar advances while the job runs.
  await page.waitForFunction((id) => {
    const el = document.querySelector(`article.job[data-job-id="${id}"]`);
    return el && el.dataset.state === 'RUNNING' && Number(el.dataset.done) > 0;
  }, jobId, { timeout: LONG, polling: 100 });
  const firstBar = await bar();
  const firstDone = await done();
  await page.waitForFunction(([id, before]) => {
    const el = document.querySelector(`article.job[data-job-id="${id}"]`);
    return el && Number(el.dataset.done) > before;
  }, [jobId, firstDone], { timeout: LONG, polling: 100 });
  const laterBar = await bar();
  const rateText = await job.locator('[data-field="rate"]').textContent();
  const etaText = await job.locator('[data-field="eta"]').textContent();
  const total = Number(await job.getAttribute('data-total'));

  // Pause: the job stops at its next batch boundary (the batch in flight is still recorded), and the
  // bar then stands still across refreshes.
  const nextRefresh = async () => {
    const before = await page.textContent('#refreshed');
    await page.waitForFunction((text) => document.getElementById('refreshed').textContent !== text, before,
      { timeout: SHORT, polling: 100 });
  };
  await job.locator('[data-action="pause"]').click();
  await page.waitForFunction((id) => {
    const el = document.querySelector(`article.job[data-job-id="${id}"]`);
    return el && el.dataset.state === 'PAUSED';
  }, jobId, { timeout: LONG, polling: 100 });
  let pausedDone = await done();
  for (let unchanged = 0, refreshes = 0; unchanged < 2; refreshes++) {
    if (refreshes > 60) {
      throw new Error('the bar kept moving while the job was paused');
    }
    await nextRefresh();
    const now = await done();
    unchanged = now === pausedDone ? unchanged + 1 : 0;
    pausedDone = now;
  }
  for (let refreshes = 0; refreshes < 3; refreshes++) {
    await nextRefresh();
  }
  const pausedDoneLater = await done();
  const resumeEnabled = await job.locator('[data-action="resume"]').isEnabled();
  const pauseEnabledWhilePaused = await job.locator('[data-action="pause"]').isEnabled();
  await page.screenshot({ path: join(artifacts, 'dashboard-paused.png'), fullPage: true });

  // Resume and run to the end.
  await job.locator('[data-action="resume"]').click();
  await page.waitForFunction((id) => {
    const el = document.querySelector(`article.job[data-job-id="${id}"]`);
    return el && el.dataset.state === 'SUCCEEDED';
  }, jobId, { timeout: LONG, polling: 200 });
  const finalBar = await bar();
  const finalDone = await done();
  const typeRows = await job.locator('[data-field="types"] tr').evaluateAll((rows) => rows.map((row) => ({
    type: row.dataset.type, vectors: Number(row.children[2].textContent.replace(/,/g, '')),
  })));
  const buttonsAfterEnd = await job.locator('.actions button:enabled').count();
  await page.screenshot({ path: join(artifacts, 'dashboard.png'), fullPage: true });

  // Search the finished index from the page, by id and by an uploaded image: the nearest products
  // appear with their thumbnails, each fetched with the token and shown through a blob: URL.
  await page.locator('#search-section').waitFor({ state: 'visible', timeout: LONG });
  const searchShows = async () => {
    await page.waitForFunction(() => {
      const items = [...document.querySelectorAll('#search-results li')];
      return items.length > 0 && items.every((li) => {
        const img = li.querySelector('img');
        return img && img.dataset.thumbnail && (img.dataset.thumbnail === 'missing' || (img.complete && img.naturalWidth > 0));
      });
    }, undefined, { timeout: LONG, polling: 100 });
    return page.locator('#search-results li').evaluateAll((items) => items.map((li) => {
      const img = li.querySelector('img');
      return {
        id: li.dataset.id, shownId: li.querySelector('.hit-id').textContent,
        score: li.querySelector('.hit-score').textContent, thumbnail: img.dataset.thumbnail,
        naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight, scheme: new URL(img.src).protocol,
      };
    }));
  };
  await page.selectOption('#search-form select[name="mode"]', 'id');
  await page.fill('#search-form input[name="text"]', searchId);
  await page.selectOption('#search-form select[name="type"]', 'combined');
  await page.fill('#search-form input[name="k"]', '5');
  await page.click('#search');
  const byId = await searchShows();
  await page.screenshot({ path: join(artifacts, 'dashboard-search.png'), fullPage: true });
  await page.selectOption('#search-form select[name="mode"]', 'file');
  await page.setInputFiles('#search-form input[name="file"]', searchImage);
  // The results of the search by id are replaced: wait for the list to change before reading it.
  await page.evaluate(() => { document.getElementById('search-results').replaceChildren(); });
  await page.click('#search');
  const byImage = await searchShows();

  const result = {
    landed, storage, tokenInInput, indexesSectionHidden, jobId, total, firstDone, firstBar, laterBar, rateText,
    etaText, pausedDone, pausedDoneLater, resumeEnabled, pauseEnabledWhilePaused, finalBar, finalDone, typeRows,
    buttonsAfterEnd, search: { byId, byImage }, urlsSeen: [landed, page.url()], problems,
  };
  console.log('RESULT ' + JSON.stringify(result));
} catch (error) {
  console.error('browser test failed: ' + (error && error.stack || error));
  console.error('problems seen: ' + JSON.stringify(problems));
  try {
    const pages = browser.contexts().flatMap((c) => c.pages());
    if (pages.length) {
      await pages[0].screenshot({ path: join(artifacts, 'dashboard-failure.png'), fullPage: true });
    }
  } catch (ignored) {
    // the screenshot is a help, not the verdict
  }
  process.exitCode = 1;
} finally {
  await browser.close();
}
