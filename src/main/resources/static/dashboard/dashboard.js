// The dashboard of faiss-shard-builder: plain DOM, no framework, no inline script (the page is served
// with a Content-Security-Policy that forbids it). Every value from the API goes through textContent,
// never through HTML parsing. The API token lives in sessionStorage only: it is sent as a bearer header
// and never put into a URL, so it stays out of logs, history and Referer headers.
'use strict';

const TOKEN_KEY = 'fsb.apiToken';
const POLL_MS = 1000;
const api = new URL('..', document.baseURI);

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

class ApiError extends Error {
  constructor(status, problem) {
    super(problem && (problem.detail || problem.title) || ('HTTP ' + status));
    this.status = status;
    this.problem = problem;
  }

  /** The service has no endpoint at this path (an older service, or a feature not deployed). */
  get isMissingEndpoint() {
    return this.status === 404 && !!this.problem && typeof this.problem.type === 'string'
      && this.problem.type.endsWith('/not-found');
  }
}

async function call(method, path, body) {
  const headers = { Accept: 'application/json, application/problem+json' };
  const bearer = token();
  if (bearer) {
    headers.Authorization = 'Bearer ' + bearer;
  }
  let payload;
  if (body instanceof FormData) {
    payload = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(new URL(path, api), {
    method, headers, body: payload, credentials: 'omit', cache: 'no-store', redirect: 'error',
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (ignored) {
    json = null;
  }
  if (!response.ok) {
    throw new ApiError(response.status, json);
  }
  return json;
}

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name === 'class') {
      node.className = value;
    } else {
      node.setAttribute(name, value);
    }
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function showStatus(message, ok) {
  const status = document.getElementById('status');
  status.textContent = message;
  status.classList.toggle('ok', !!ok);
  status.hidden = !message;
}

function explain(error) {
  if (error instanceof ApiError) {
    if (error.status === 401) {
      return 'This service needs an API token: enter one above.';
    }
    if (error.status === 403 && error.problem && typeof error.problem.type === 'string'
        && error.problem.type.endsWith('/insufficient-role')) {
      return 'The token does not allow this (a read token cannot start or change jobs).';
    }
    const title = error.problem && error.problem.title;
    return (title ? title + ': ' : '') + error.message;
  }
  return 'The service cannot be reached: ' + error.message;
}

// ---- formatting ----

const integer = new Intl.NumberFormat('en');

function bytes(value) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let amount = value;
  let unit = 0;
  while (amount >= 1024 && unit < units.length - 1) {
    amount /= 1024;
    unit += 1;
  }
  return (unit === 0 ? amount : amount.toFixed(1)) + ' ' + units[unit];
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) {
    return '–';
  }
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s} s` : `${s} s`;
}

/** Images handled so far: embedded, failed, or skipped as already indexed. */
function handled(job) {
  return job.counts.embedded + job.counts.failed + job.counts.skipped;
}

// ---- jobs ----

const cards = new Map();

function jobCard(id) {
  const card = el('article', { class: 'job', 'data-job-id': id });
  const state = el('span', { class: 'state', 'data-field': 'state' });
  const pause = el('button', { type: 'button', 'data-action': 'pause' }, 'Pause');
  const resume = el('button', { type: 'button', 'data-action': 'resume' }, 'Resume');
  const cancel = el('button', { type: 'button', 'data-action': 'cancel' }, 'Cancel');
  for (const button of [pause, resume, cancel]) {
    button.addEventListener('click', () => act(id, button.dataset.action, button));
  }
  const bar = el('progress', { max: '1', value: '0', 'data-field': 'progress', 'aria-label': 'progress of job ' + id });
  const figure = (name, label) => el('span', {}, label + ' ', el('strong', { 'data-field': name }, '–'));
  const types = el('table', { class: 'types' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Type'), el('th', {}, 'Sealed shards'), el('th', {}, 'Vectors'),
      el('th', {}, 'Open shard'), el('th', {}, 'Bytes'))),
    el('tbody', { 'data-field': 'types' }));
  card.append(
    el('div', { class: 'job-head' }, el('span', { class: 'job-id' }, id), state,
      el('span', { class: 'muted', 'data-field': 'where' }),
      el('span', { class: 'actions' }, pause, resume, cancel)),
    bar,
    el('p', { class: 'notice', 'data-field': 'notice', hidden: '' }),
    el('div', { class: 'figures' },
      figure('done', 'done'), figure('rate', 'images/s'), figure('eta', 'ETA'), figure('failed', 'failed'),
      figure('uploaded', 'uploaded')),
    types,
    el('ul', { class: 'failures', 'data-field': 'failures' }),
    el('p', { class: 'status', 'data-field': 'error', hidden: '' }));
  return card;
}

function field(card, name) {
  return card.querySelector(`[data-field="${name}"]`);
}

function renderJob(card, job) {
  const state = field(card, 'state');
  state.textContent = job.state;
  state.className = 'state state-' + job.state;
  card.dataset.state = job.state;
  field(card, 'where').textContent = `${job.catalog} → ${job.storage}${job.prefix ? ' / ' + job.prefix : ''}`;

  const done = handled(job);
  const bar = field(card, 'progress');
  if (job.total) {
    bar.max = job.total;
    bar.value = Math.min(done, job.total);
  } else if (job.state === 'SUCCEEDED') {
    bar.max = 1;
    bar.value = 1;
  } else {
    bar.removeAttribute('value');
  }
  card.dataset.done = String(done);
  card.dataset.total = job.total === null ? '' : String(job.total);
  field(card, 'done').textContent = integer.format(done) + (job.total ? ' / ' + integer.format(job.total) : '');
  field(card, 'rate').textContent = job.imagesPerSecond === null ? '–' : job.imagesPerSecond.toFixed(1);
  field(card, 'eta').textContent = duration(job.etaSeconds);
  field(card, 'failed').textContent = integer.format(job.counts.failed);
  field(card, 'uploaded').textContent = bytes(job.uploadedBytes);

  const rows = Object.entries(job.indexes || {}).map(([type, index]) => el('tr', { 'data-type': type },
    el('td', {}, type), el('td', {}, integer.format(index.sealedShards)), el('td', {}, integer.format(index.vectors)),
    el('td', {}, integer.format(index.openShardVectors)), el('td', {}, bytes(index.bytes))));
  field(card, 'types').replaceChildren(...rows);

  const reasons = Object.entries(job.counts.failedByReason || {}).map(([reason, count]) =>
    el('li', { 'data-reason': reason }, `${reason}: ${integer.format(count)}`));
  field(card, 'failures').replaceChildren(...reasons);

  const error = field(card, 'error');
  error.textContent = job.lastError || '';
  error.hidden = !job.lastError;

  renderNotice(field(card, 'notice'), job);

  const started = job.startedAt !== null;
  // A WAITING job (storage unavailable, backing off) is paused and cancelled like a running one.
  card.querySelector('[data-action="pause"]').disabled = !['RUNNING', 'QUEUED', 'WAITING'].includes(job.state);
  card.querySelector('[data-action="resume"]').disabled = job.state !== 'PAUSED';
  card.querySelector('[data-action="cancel"]').disabled = ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(job.state);
  card.dataset.started = String(started);
}

/**
 * What the job is waiting for, whether it stalled and its deadline; views without these fields (older
 * services) leave the line hidden.
 */
function renderNotice(notice, job) {
  const parts = [];
  if (job.waiting) {
    parts.push(`waiting (${job.waiting.reason || 'unknown'}) since ${time(job.waiting.since)}` +
      (job.waiting.until ? `, at most until ${time(job.waiting.until)}` : ''));
  }
  if (job.stalled) {
    parts.push(`stalled: no progress since ${time(job.stalled.lastProgressAt || job.stalled.since)}`);
  }
  if (job.deadline) {
    parts.push(`deadline ${time(job.deadline)}`);
  }
  notice.textContent = parts.join(' · ');
  notice.hidden = parts.length === 0;
  notice.dataset.waiting = String(Boolean(job.waiting));
  notice.dataset.stalled = String(Boolean(job.stalled));
}

function time(instant) {
  if (!instant) {
    return '–';
  }
  const date = new Date(instant);
  return Number.isNaN(date.getTime()) ? '–' : date.toLocaleString();
}

function renderJobs(jobs) {
  const container = document.getElementById('jobs');
  const newestFirst = [...jobs].sort((a, b) => (b.createdAt || '').localeCompare(a.createdAt || ''));
  const seen = new Set();
  for (const job of newestFirst) {
    seen.add(job.id);
    let card = cards.get(job.id);
    if (!card) {
      card = jobCard(job.id);
      cards.set(job.id, card);
    }
    renderJob(card, job);
    container.append(card);
  }
  for (const [id, card] of cards) {
    if (!seen.has(id)) {
      card.remove();
      cards.delete(id);
    }
  }
  document.getElementById('jobs-empty').hidden = jobs.length > 0;
}

async function act(id, action, button) {
  button.disabled = true;
  try {
    const job = await call('POST', `jobs/${encodeURIComponent(id)}/${action}`);
    renderJob(cards.get(id), job);
    showStatus('');
  } catch (error) {
    showStatus(explain(error));
  }
}

async function startJob(event) {
  event.preventDefault();
  const form = event.target;
  const request = {};
  const types = [...form.querySelectorAll('input[name="indexTypes"]:checked')].map((box) => box.value);
  if (types.length < 3) {
    request.indexTypes = types;
  }
  if (form.prefix.value.trim()) {
    request.prefix = form.prefix.value.trim();
  }
  if (form.batchSize.value) {
    request.batchSize = Number(form.batchSize.value);
  }
  if (form.limit.value) {
    request.limit = Number(form.limit.value);
  }
  if (form.retryFailures.checked) {
    request.retryFailures = true;
  }
  try {
    const job = await call('POST', 'jobs', request);
    showStatus(`Job ${job.id} started.`, true);
    await refresh();
  } catch (error) {
    showStatus(explain(error));
  }
}

// ---- indexes and search (endpoints of newer services: hidden when the service answers 404) ----

let indexesAvailable = true;

function renderIndexes(listing) {
  const body = document.querySelector('#indexes tbody');
  const rows = [];
  const prefixes = [];
  for (const index of listing.indexes || []) {
    prefixes.push(index.prefix);
    for (const [type, figures] of Object.entries(index.types || {})) {
      rows.push(el('tr', { 'data-prefix': index.prefix, 'data-type': type },
        el('td', {}, index.prefix === '' ? '(root)' : index.prefix), el('td', {}, type),
        el('td', {}, integer.format(figures.vectors)), el('td', {}, integer.format(figures.shards)),
        el('td', {}, bytes(figures.bytes)), el('td', {}, figures.modelId || ''),
        el('td', {}, index.complete ? 'yes' : 'no'), el('td', {}, index.updatedAt || '')));
    }
  }
  body.replaceChildren(...rows);
  const select = document.querySelector('#search-form select[name="index"]');
  const chosen = select.value;
  select.replaceChildren(el('option', { value: '' }, 'configured'),
    ...prefixes.map((prefix) => el('option', { value: prefix }, prefix === '' ? '(root)' : prefix)));
  select.value = prefixes.includes(chosen) ? chosen : '';
}

async function refreshIndexes() {
  if (!indexesAvailable) {
    return;
  }
  try {
    renderIndexes(await call('GET', 'indexes'));
    document.getElementById('indexes-section').hidden = false;
    document.getElementById('search-section').hidden = false;
  } catch (error) {
    if (error instanceof ApiError && error.isMissingEndpoint) {
      indexesAvailable = false;
      document.getElementById('indexes-section').hidden = true;
      document.getElementById('search-section').hidden = true;
    }
  }
}

// Result thumbnails are fetched with the token (an <img src> cannot send it) and shown through blob:
// URLs, which the page's Content-Security-Policy allows as images and nothing else. A few at a time:
// the service makes a bounded number at once and answers the rest 503.
const THUMBNAILS_AT_ONCE = 4;
let searchGeneration = 0;
let thumbnailUrls = [];

function forgetThumbnails() {
  for (const url of thumbnailUrls) {
    URL.revokeObjectURL(url);
  }
  thumbnailUrls = [];
}

async function thumbnailBlob(id) {
  const headers = { Accept: 'image/jpeg, image/png, image/webp, application/problem+json' };
  const bearer = token();
  if (bearer) {
    headers.Authorization = 'Bearer ' + bearer;
  }
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(new URL('thumbnails/' + encodeURIComponent(id), api), {
      headers, credentials: 'omit', redirect: 'error',
    });
    if (response.status === 503 && attempt < 3) {
      await new Promise((resolve) => setTimeout(resolve, 1000 * (attempt + 1)));
      continue;
    }
    const type = response.headers.get('Content-Type') || '';
    if (!response.ok || !/^image\/(jpeg|png|webp)$/.test(type)) {
      return null;
    }
    return response.blob();
  }
}

async function loadThumbnails(pictures, generation) {
  const queue = pictures.slice();
  const worker = async () => {
    while (queue.length && generation === searchGeneration) {
      const [picture, id] = queue.shift();
      let blob = null;
      try {
        blob = await thumbnailBlob(id);
      } catch (ignored) {
        blob = null;
      }
      if (generation !== searchGeneration) {
        return;
      }
      if (blob) {
        const url = URL.createObjectURL(blob);
        thumbnailUrls.push(url);
        picture.src = url;
        picture.dataset.thumbnail = 'loaded';
      } else {
        picture.dataset.thumbnail = 'missing';
        picture.alt = 'no thumbnail';
      }
    }
  };
  await Promise.all(Array.from({ length: THUMBNAILS_AT_ONCE }, worker));
}

function searchModeChanged() {
  const form = document.getElementById('search-form');
  const file = form.mode.value === 'file';
  form.file.hidden = !file;
  form.text.hidden = file;
}

async function search(event) {
  event.preventDefault();
  const form = event.target;
  const request = { types: [form.type.value], k: Number(form.k.value) || 10 };
  if (form.index.value) {
    request.index = form.index.value;
  }
  const preview = document.getElementById('search-query-preview');
  preview.replaceChildren();
  let body;
  if (form.mode.value === 'file') {
    const image = form.file.files[0];
    if (!image) {
      showStatus('Choose an image file to search with.');
      return;
    }
    body = new FormData();
    body.append('image', image);
    body.append('request', new Blob([JSON.stringify(request)], { type: 'application/json' }));
    const thumbnail = el('img', { alt: 'query image' });
    thumbnail.src = URL.createObjectURL(image);
    preview.append(thumbnail);
  } else {
    const text = form.text.value.trim();
    request.query = form.mode.value === 'url' ? { url: text } : { id: text };
    body = request;
  }
  try {
    const answer = await call('POST', 'search', body);
    const items = [];
    const pictures = [];
    for (const [type, hits] of Object.entries(answer.results || {})) {
      for (const hit of hits) {
        const picture = el('img', { alt: 'thumbnail of ' + hit.id, width: '64', height: '64' });
        pictures.push([picture, hit.id]);
        items.push(el('li', { 'data-id': hit.id }, picture,
          el('span', { class: 'hit-id' }, hit.id),
          el('span', { class: 'hit-score' }, Number(hit.score).toFixed(4)),
          el('span', { class: 'muted' }, `${type}, ${hit.shard}`)));
      }
    }
    forgetThumbnails();
    document.getElementById('search-results').replaceChildren(...items);
    showStatus(items.length ? '' : 'No results.', !items.length);
    loadThumbnails(pictures, ++searchGeneration);
  } catch (error) {
    if (error instanceof ApiError && error.isMissingEndpoint) {
      document.getElementById('search-section').hidden = true;
      return;
    }
    showStatus(explain(error));
  }
}

// ---- token ----

function renderTokenState() {
  document.getElementById('token-state').textContent = token() ? 'token set for this tab' : 'no token';
}

function saveToken(event) {
  event.preventDefault();
  const input = document.getElementById('token');
  const value = input.value.trim();
  input.value = '';
  if (value) {
    sessionStorage.setItem(TOKEN_KEY, value);
  }
  renderTokenState();
  refresh();
}

function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  renderTokenState();
  refresh();
}

// ---- polling ----

let refreshing = false;

async function refresh() {
  if (refreshing) {
    return;
  }
  refreshing = true;
  try {
    renderJobs(await call('GET', 'jobs'));
    document.getElementById('refreshed').textContent = ' · updated ' + new Date().toLocaleTimeString();
    const status = document.getElementById('status');
    if (status.dataset.source === 'poll') {
      showStatus('');
      status.dataset.source = '';
    }
    await refreshIndexes();
  } catch (error) {
    showStatus(explain(error));
    document.getElementById('status').dataset.source = 'poll';
  } finally {
    refreshing = false;
  }
}

function init() {
  document.getElementById('token-form').addEventListener('submit', saveToken);
  document.getElementById('token-forget').addEventListener('click', forgetToken);
  document.getElementById('start-form').addEventListener('submit', startJob);
  document.getElementById('search-form').addEventListener('submit', search);
  document.querySelector('#search-form select[name="mode"]').addEventListener('change', searchModeChanged);
  renderTokenState();
  refresh();
  setInterval(refresh, POLL_MS);
}

document.addEventListener('DOMContentLoaded', init);
