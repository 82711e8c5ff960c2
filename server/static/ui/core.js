/* core.js - what every page of the dashboard uses: the API client (the
 * token from sessionStorage as a Bearer header), the event-stream reader,
 * the element builder, formatting, the router.
 *
 * Escaping: no page ever assigns markup. Everything shown goes through
 * O.h(), which makes text nodes, so flow data (untrusted) is text
 * whatever it contains. */
'use strict';
var O = (window.O = { pages: {}, cleanups: [] });
var KEY = 'octoflow.token';

O.token = function () { return sessionStorage.getItem(KEY); };
O.setToken = function (t) { if (t) sessionStorage.setItem(KEY, t); else sessionStorage.removeItem(KEY); };

/* h('div', {class: 'x', onclick: fn, title: 't'}, 'text', child, [more]) */
O.h = function (tag, attrs) {
  var el = document.createElement(tag);
  var a = attrs || {};
  Object.keys(a).forEach(function (k) {
    var v = a[k];
    if (v === null || v === undefined || v === false) return;
    if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  });
  for (var i = 2; i < arguments.length; i++) O.add(el, arguments[i]);
  return el;
};
O.add = function (el, c) {
  if (c === null || c === undefined || c === false) return el;
  if (Array.isArray(c)) c.forEach(function (x) { O.add(el, x); });
  else if (c instanceof Node) el.appendChild(c);
  else el.appendChild(document.createTextNode(String(c)));
  return el;
};
O.clear = function (el) { while (el.firstChild) el.removeChild(el.firstChild); return el; };
O.$ = function (sel, root) { return (root || document).querySelector(sel); };

O.ApiError = function (status, message, body) {
  this.status = status; this.message = message; this.body = body;
};

/* fetch an API route: resolves with the parsed body (JSON, or text),
 * rejects with O.ApiError; a 401 sends the operator to the login. */
O.api = function (method, path, body, opts) {
  var headers = { Authorization: 'Bearer ' + (O.token() || '') };
  var init = { method: method, headers: headers, cache: 'no-store' };
  if (body !== undefined) { headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body); }
  if (opts && opts.signal) init.signal = opts.signal;
  return fetch(path, init).then(function (r) {
    var ct = r.headers.get('Content-Type') || '';
    return (ct.indexOf('json') >= 0 ? r.json() : r.text()).then(function (b) {
      if (r.status === 401 && !(opts && opts.noLogin)) O.login('The token was refused: log in again.');
      if (r.status >= 400) throw new O.ApiError(r.status, (b && b.error) || ('HTTP ' + r.status), b);
      return b;
    });
  });
};
O.get = function (path, opts) { return O.api('GET', path, undefined, opts); };

/* Server-Sent Events over fetch(): EventSource cannot send the
 * Authorization header, and the token must stay out of URLs. */
O.sse = function (path, onEvent, signal) {
  return fetch(path, { headers: { Authorization: 'Bearer ' + (O.token() || '') }, signal: signal, cache: 'no-store' })
    .then(function (r) {
      if (r.status === 401) O.login('The token was refused: log in again.');
      if (!r.ok || !r.body) throw new O.ApiError(r.status, 'event stream: HTTP ' + r.status);
      var reader = r.body.getReader();
      var dec = new TextDecoder();
      var buf = '';
      function pump() {
        return reader.read().then(function (x) {
          if (x.done) return;
          buf += dec.decode(x.value, { stream: true });
          var at;
          while ((at = buf.indexOf('\n\n')) >= 0) {
            var block = buf.slice(0, at); buf = buf.slice(at + 2);
            var ev = 'message', data = '';
            block.split('\n').forEach(function (l) {
              if (l.indexOf('event: ') === 0) ev = l.slice(7);
              else if (l.indexOf('data: ') === 0) data += l.slice(6);
            });
            if (data) { try { onEvent(ev, JSON.parse(data)); } catch (e) { console.error(e); } }
          }
          return pump();
        });
      }
      return pump();
    });
};

/* ---- formatting ---- */
O.time = function (iso) {
  if (!iso) return '—';
  var d = new Date(iso);
  return isNaN(d) ? String(iso) : d.toLocaleString();
};
O.dur = function (s) {
  if (s === null || s === undefined || isNaN(s)) return '—';
  if (s < 0.001) return Math.round(s * 1e6) + ' µs';
  if (s < 1) return (s * 1000).toFixed(s < 0.01 ? 2 : 0) + ' ms';
  if (s < 120) return s.toFixed(s < 10 ? 2 : 1) + ' s';
  if (s < 7200) return Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s';
  return (s / 3600).toFixed(1) + ' h';
};
O.since = function (iso) { return iso ? (Date.now() - new Date(iso).getTime()) / 1000 : null; };
O.badge = function (text, kind) {
  return O.h('span', { class: 'badge b-' + (kind || text || 'none') }, text || '—');
};
O.jobLink = function (id, text) { return O.h('a', { href: '#/job/' + encodeURIComponent(id), class: 'mono' }, text || id.slice(0, 8)); };
O.qs = function (obj) {
  var p = new URLSearchParams();
  Object.keys(obj).forEach(function (k) { if (obj[k] !== '' && obj[k] !== null && obj[k] !== undefined) p.set(k, obj[k]); });
  var s = p.toString();
  return s ? '?' + s : '';
};

O.toast = function (msg, kind) {
  var t = O.h('div', { class: 'toast ' + (kind || ''), role: 'status' }, msg);
  O.$('#toasts').appendChild(t);
  setTimeout(function () { t.remove(); }, kind === 'err' ? 8000 : 4000);
};
O.errBox = function (e) {
  return O.h('div', { class: 'error', role: 'alert' }, e && e.message ? e.message : String(e));
};

/* ---- pages and routing: #/name/arg?query ---- */
O.onLeave = function (fn) { O.cleanups.push(fn); };
O.every = function (ms, fn) {
  var t = setInterval(function () { if (!document.hidden) fn(); }, ms);
  O.onLeave(function () { clearInterval(t); });
};
O.abortable = function () {
  var c = new AbortController();
  O.onLeave(function () { c.abort(); });
  return c.signal;
};

O.route = function () {
  var hash = location.hash.replace(/^#\/?/, '') || 'overview';
  var q = hash.indexOf('?');
  var query = new URLSearchParams(q >= 0 ? hash.slice(q + 1) : '');
  var parts = (q >= 0 ? hash.slice(0, q) : hash).split('/').map(decodeURIComponent);
  var page = O.pages[parts[0]] || O.pages.overview;
  O.cleanups.splice(0).forEach(function (f) { try { f(); } catch (e) { /* leaving */ } });
  document.querySelectorAll('nav a').forEach(function (a) {
    if (a.getAttribute('data-page') === (O.pages[parts[0]] ? parts[0] : 'overview')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  if (!O.token()) { O.login(); return; }
  var view = O.clear(O.$('#view'));
  document.title = page.title + ' · Octoflow';
  page.render(view, parts.slice(1), query);
};

O.login = function (why) {
  O.setToken(null);
  O.cleanups.splice(0).forEach(function (f) { try { f(); } catch (e) { /* leaving */ } });
  var view = O.clear(O.$('#view'));
  var msg = O.h('p', { class: 'muted', id: 'login-msg' }, why || 'Log in with the service\'s API token (API_TOKEN). It is kept in this tab only.');
  var input = O.h('input', { type: 'password', id: 'token', name: 'token', autocomplete: 'current-password', required: true, 'aria-describedby': 'login-msg' });
  var form = O.h('form', { class: 'card login', onsubmit: function (ev) {
    ev.preventDefault();
    O.setToken(input.value);
    O.api('GET', '/api/v1/schedules', undefined, { noLogin: true }).then(function () {
      O.route();
    }, function (e) {
      O.setToken(null);
      O.clear(msg).appendChild(document.createTextNode(e.status === 401 ? 'Wrong token.' : e.message));
      msg.className = 'error';
      input.focus();
    });
  } }, O.h('h1', null, 'Octoflow'), msg, O.h('label', { for: 'token' }, 'API token'), input,
  O.h('button', { type: 'submit', class: 'primary' }, 'Log in'));
  view.appendChild(form);
  input.focus();
};
