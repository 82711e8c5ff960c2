// dashboard.mjs - the dashboard in Debian's headless Chromium, driven by
// playwright-core (no browser download: /usr/bin/chromium).
//
// Run by tests/e2e/test_dashboard.py, which starts the real service and
// its flows and passes: OCTO_URL, OCTO_TOKEN, OCTO_ARTIFACTS (screenshots
// go there), OCTO_SLOW (timeout multiplier), CHROMIUM (the browser).
// Prints "PASS name" / "FAIL name" per scenario, "MEASURE {...}" with the
// page weight and first paint, and "N passed, M failed" last; exits 1 on
// any failure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const URL0 = process.env.OCTO_URL;
const TOKEN = process.env.OCTO_TOKEN;
const ART = process.env.OCTO_ARTIFACTS;
const SLOW = Number(process.env.OCTO_SLOW || '1');
const T = (ms) => Math.round(ms * SLOW);
fs.mkdirSync(ART, { recursive: true });

const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'octo-chromium-'));
const ctx = await chromium.launchPersistentContext(userDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1280, height: 860 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
ctx.setDefaultTimeout(T(15000));
const page = ctx.pages()[0] || await ctx.newPage();
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(e.message));
// what the Content-Security-Policy blocked (an inline style or script the pages must not have)
page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) pageErrors.push('CSP: ' + m.text()); });
page.on('dialog', (d) => d.accept());

const results = [];
function check(cond, what) { if (!cond) throw new Error('check failed: ' + what); }
async function scenario(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push([name, true]);
    console.log(`PASS ${name} ${((Date.now() - t0) / 1000).toFixed(2)} s`);
  } catch (e) {
    results.push([name, false]);
    console.log(`FAIL ${name}: ${e.stack || e}`);
    await page.screenshot({ path: path.join(ART, 'FAILED-' + name + '.png'), fullPage: true }).catch(() => {});
  }
}
async function shot(name) {
  await page.evaluate(() => document.querySelectorAll('.toast').forEach((t) => t.remove()));
  await page.screenshot({ path: path.join(ART, name + '.png') });
}
async function api(method, p, body) {
  const r = await fetch(URL0 + p, {
    method, headers: { Authorization: 'Bearer ' + TOKEN, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}
async function badge(text) { await page.locator('h1 + .badge, .title-row > .badge', { hasText: text }).first().waitFor(); }
async function go(hash) {
  // the same address again is no navigation at all (not even hashchange): reload
  const target = URL0 + '/' + hash;
  if (page.url() === target) await page.reload(); else await page.goto(target);
}

await scenario('page_weight_and_first_paint', async () => {
  const resp = await page.goto(URL0 + '/', { waitUntil: 'load' });
  const csp = resp.headers()['content-security-policy'] || '';
  check(csp.includes("script-src 'self'") && csp.includes("default-src 'none'") && !csp.includes('unsafe'), 'strict CSP: ' + csp);
  const html = await resp.text();
  check(!/<script>|<script [^>]*>[^<]+<\/script>|\son[a-z]+=|style="/i.test(html), 'no inline script, handler or style in index.html');
  await page.locator('#token').waitFor();
  const m = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource');
    const paint = performance.getEntriesByName('first-contentful-paint')[0];
    return {
      first_contentful_paint_ms: paint ? Math.round(paint.startTime) : null,
      dom_content_loaded_ms: Math.round(nav.domContentLoadedEventEnd),
      requests: 1 + res.length,
      transfer_bytes: nav.transferSize + res.reduce((a, r) => a + r.transferSize, 0),
      body_bytes: nav.encodedBodySize + res.reduce((a, r) => a + r.encodedBodySize, 0),
    };
  });
  // the first load above started a cold browser; then five loads in new
  // tabs with the cache off, as a first visit to a running browser
  const fcps = [];
  for (let i = 0; i < 5; i++) {
    const p2 = await ctx.newPage();
    const cdp = await ctx.newCDPSession(p2);
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await p2.goto(URL0 + '/', { waitUntil: 'load' });
    await p2.locator('#token').waitFor();
    fcps.push(await p2.evaluate(() => Math.round(performance.getEntriesByName('first-contentful-paint')[0].startTime)));
    await p2.close();
  }
  fcps.sort((a, b) => a - b);
  m.first_contentful_paint_cold_browser_ms = m.first_contentful_paint_ms;
  m.first_contentful_paint_median_ms = fcps[2];
  m.first_contentful_paint_max_ms = fcps[4];
  console.log('MEASURE ' + JSON.stringify(m));
  check(m.transfer_bytes > 0 && m.transfer_bytes < 150 * 1024, 'total transfer under 150 KB: ' + m.transfer_bytes);
  check(m.first_contentful_paint_ms !== null, 'painted');
});

await scenario('login', async () => {
  await go('');
  await page.locator('#token').fill('not-the-token');
  await page.keyboard.press('Enter');
  await page.locator('#login-msg', { hasText: 'Wrong token' }).waitFor();
  await shot('login');
  await page.locator('#token').fill(TOKEN);
  await page.keyboard.press('Enter'); // keyboard only
  await page.locator('h1', { hasText: 'Overview' }).waitFor();
  check(!page.url().includes(TOKEN), 'token not in the URL');
  check((await ctx.cookies()).length === 0, 'no cookie');
  check(await page.evaluate(() => sessionStorage.getItem('octoflow.token')) === TOKEN, 'token in sessionStorage');
  await page.locator('#view td, #view .kv').first().waitFor();
  await shot('overview');
});

await scenario('flows_page_shows_validation', async () => {
  await go('#/flows');
  await page.locator('details.flow[data-path="broken.yml"]').waitFor();
  await page.locator('details.flow[data-path="broken.yml"] summary').click();
  const err = page.locator('details.flow[data-path="broken.yml"] .diags.errors li').first();
  check(/^broken\.yml:\d+$/.test((await err.locator('.where').textContent()).trim()), 'error names file:line');
  await page.locator('details.flow[data-path="hello.yml"] summary').click();
  await page.locator('details.flow[data-path="hello.yml"] .flow-details').waitFor();
  await page.locator('details.flow[data-path="hello.yml"]', { hasText: '(not compiled yet)' }).waitFor({ state: 'detached' });
  await page.setViewportSize({ width: 1280, height: 1000 });
  await shot('flows');
  await page.setViewportSize({ width: 1280, height: 860 });
});

let helloJob = null;
await scenario('launch_with_input_and_watch_it_finish', async () => {
  await go('#/flows');
  const d = page.locator('details.flow[data-path="hello.yml"]');
  await d.locator('summary').click();
  const input = d.locator('textarea');
  await input.fill('{"name": ');
  await d.locator('.error-text', { hasText: 'Not JSON' }).waitFor();
  check(await d.locator('button[type=submit]').isDisabled(), 'invalid JSON is not sent');
  await input.fill('{"name": "Ada", "delay": 0}');
  await d.locator('button[type=submit]').click();
  await page.waitForURL(/#\/job\//);
  helloJob = decodeURIComponent(page.url().split('#/job/')[1]);
  await badge('success');
  await page.locator('.json', { hasText: '"Hello, Ada"' }).first().waitFor();
  check(await page.locator('.tl-line .tl-bar.o-ok').count() >= 2, 'timeline bars');
});

await scenario('loop_items_collapsed', async () => {
  const r = await api('POST', '/api/v1/jobs?wait=' + T(30), { path: 'loop.yml', data: null });
  check(r.status === 200 && r.body.status === 'success', 'loop job: ' + JSON.stringify(r.body).slice(0, 300));
  await go('#/job/' + r.body.job_id);
  const tog = page.locator('button.tl-items');
  await tog.waitFor();
  check((await tog.textContent()).includes('5 loop items'), 'items collapsed under their step');
  check(await page.locator('.tl-name', { hasText: '#3 ' }).count() === 0, 'items hidden');
  await tog.click();
  await page.locator('.tl-name', { hasText: '#3 ' }).first().waitFor();
});

await scenario('failing_step_error_and_retries', async () => {
  const r = await api('POST', '/api/v1/jobs?wait=' + T(30), { path: 'fail.yml', data: {} });
  check(r.status === 200 && r.body.status === 'failed', 'failed job');
  await go('#/job/' + r.body.job_id);
  await badge('failed');
  await page.locator('#job-error').waitFor();
  await page.locator('#step-detail .json', { hasText: 'No such file' }).first().waitFor();
  check((await page.locator('.tl-retries').first().textContent()).includes('×3'), 'three attempts on one line');
  check(await page.locator('.tl-bar.o-retried').count() === 2, 'two retried attempts drawn');
  await page.setViewportSize({ width: 1280, height: 1300 });
  await shot('job');
  await page.setViewportSize({ width: 1280, height: 860 });
});

await scenario('live_updates_locks_and_cancel', async () => {
  await go('#/flows');
  const d = page.locator('details.flow[data-path="slow.yml"]');
  await d.locator('summary').click();
  await d.locator('button[type=submit]').click();
  await page.waitForURL(/#\/job\//);
  const id = decodeURIComponent(page.url().split('#/job/')[1]);
  // rows arrive over the event stream, without reloading the page
  await page.locator('.live', { hasText: 'live' }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.tl-bar.o-ok').length >= 2, null, { timeout: T(20000) });
  await go('#/overview');
  await page.locator('#view a', { hasText: id.slice(0, 8) }).first().waitFor();
  await shot('overview');
  await go('#/locks');
  await page.locator('td', { hasText: 'slow' }).first().waitFor();
  await shot('locks');
  await go('#/job/' + encodeURIComponent(id));
  await page.locator('#cancel').click();
  await badge('cancelled');
  const j = await api('GET', '/api/v1/jobs/' + id);
  check(j.body.status === 'cancelled', 'cancelled in the API too');
});

await scenario('jobs_history_filters_and_pages', async () => {
  await go('#/jobs?status=failed');
  await page.locator('table.jobs tbody tr').first().waitFor();
  const statuses = await page.locator('table.jobs tbody .badge').allTextContents();
  check(statuses.length > 0 && statuses.every((s) => s === 'failed'), 'filtered: ' + statuses);
  await go('#/jobs');
  await page.locator('table.jobs tbody tr').first().waitFor();
  check(await page.locator('.pager').textContent().then((t) => / of \d+/.test(t)), 'pager');
  await shot('jobs');
});

await scenario('schedule_add_pause_resume_remove', async () => {
  await go('#/schedules');
  await page.locator('#sched-add input[name=path]').fill('hello.yml');
  await page.locator('#sched-add select[name=kind]').selectOption('every');
  await page.locator('#sched-add input[name=when]').fill('3600');
  await page.locator('#sched-add button[type=submit]').click();
  const row = page.locator('tr', { hasText: 'hello.yml' });
  await row.waitFor();
  await row.locator('button', { hasText: 'Pause' }).click();
  await row.locator('.badge', { hasText: 'paused' }).waitFor();
  await shot('schedules');
  await row.locator('button', { hasText: 'Resume' }).click();
  await row.locator('button', { hasText: 'Pause' }).waitFor();
  const s = await api('GET', '/api/v1/schedules');
  check(s.body.schedules.length === 1 && !s.body.schedules[0].paused, 'resumed in the API');
  await row.locator('button', { hasText: 'Remove' }).click();
  await page.locator('#view p', { hasText: 'No schedule.' }).waitFor();
  check((await api('GET', '/api/v1/schedules')).body.schedules.length === 0, 'removed in the API');
});

await scenario('logs_tail_and_level', async () => {
  await go('#/logs');
  await page.locator('#log span').first().waitFor();
  await page.waitForFunction((id) => document.querySelector('#log').textContent.includes(id), helloJob.slice(0, 8));
  await shot('logs');
  await page.locator('#log-level').selectOption('WARNING');
  await page.waitForFunction(() => {
    const l = [...document.querySelectorAll('#log span')].map((s) => s.textContent);
    return l.length > 0 && l.every((x) => / - (WARNING|ERROR) - /.test(x));
  });
  // a line logged now shows up without reloading (follow)
  const r = await api('POST', '/api/v1/jobs?wait=' + T(30), { path: 'fail.yml', data: {} });
  await page.waitForFunction((id) => document.querySelector('#log').textContent.includes(id), r.body.job_id.slice(0, 8), { timeout: T(15000) });
});

await scenario('xss_probe_renders_as_text', async () => {
  const probe = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
  const r = await api('POST', '/api/v1/jobs?wait=' + T(30), { path: 'xss.yml', data: { html: probe } });
  check(r.status === 200 && r.body.status === 'success', 'xss flow ran');
  await go('#/job/' + r.body.job_id);
  await badge('success');
  await page.locator('.json', { hasText: '<b id=pwn>bold</b>' }).first().waitFor();
  await page.locator('.json', { hasText: 'onerror' }).first().waitFor();
  check(await page.evaluate(() => window.__xss) === undefined, 'no script ran');
  check(await page.locator('#pwn, img[src=x]').count() === 0, 'no element made from flow data');
  await go('#/jobs');
  await page.locator('table.jobs').waitFor();
  check(await page.evaluate(() => window.__xss) === undefined, 'no script ran on the history page');
});

await scenario('dark_mode', async () => {
  await go('#/overview');
  await page.locator('#theme').click();
  check(await page.evaluate(() => document.documentElement.getAttribute('data-theme')) === 'dark', 'dark theme set');
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  check(bg !== 'rgb(246, 247, 249)', 'background changed: ' + bg);
  await page.locator('#view .kv').waitFor();
  await shot('overview-dark');
  await page.locator('#theme').click();
});

await scenario('api_docs_try_a_route', async () => {
  await page.goto(URL0 + '/api/docs');
  await page.locator('#token').fill(TOKEN);
  await page.locator('#token').dispatchEvent('change');
  const op = page.locator('details.op', { hasText: '/api/v1/schedules' }).first();
  await op.locator('summary').click();
  await op.locator('button[type=submit]').click();
  await op.locator('.badge', { hasText: '200' }).waitFor();
  await shot('api-docs');
});

await scenario('no_page_errors', async () => {
  check(pageErrors.length === 0, 'uncaught errors or CSP violations in the page: ' + pageErrors.join(' | '));
});

await ctx.close();
fs.rmSync(userDir, { recursive: true, force: true });
const failed = results.filter((r) => !r[1]).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
