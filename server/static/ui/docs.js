/* docs.js - the API page: every operation of /static/swagger.json with
 * its parameters and an example body, and a form that sends it with the
 * token (sessionStorage, as the dashboard) and shows the answer. */
'use strict';
(function () {
  var h = O.h;
  var tokenBox = O.$('#token');
  tokenBox.value = O.token() || '';
  tokenBox.addEventListener('change', function () { O.setToken(tokenBox.value); });

  function resolve(doc, s) {
    return s && s.$ref ? doc.components.schemas[s.$ref.split('/').pop()] : s;
  }

  function example(doc, op) {
    var c = op.requestBody && op.requestBody.content && op.requestBody.content['application/json'];
    if (!c) return null;
    if (c.example !== undefined) return c.example;
    var s = resolve(doc, c.schema);
    return s && s.example !== undefined ? s.example : {};
  }

  function operation(doc, path, method, op) {
    var params = (op.parameters || []).map(function (p) { return p.$ref ? doc.components.parameters[p.$ref.split('/').pop()] : p; });
    var inputs = {};
    var grid = h('div', { class: 'params' });
    params.forEach(function (p) {
      var s = p.schema || {};
      var hint = [s.type, s.enum ? s.enum.join('|') : null, s.minimum !== undefined ? '≥ ' + s.minimum : null,
        s.maximum !== undefined ? '≤ ' + s.maximum : null, s.default !== undefined ? 'default ' + s.default : null].filter(Boolean).join(', ');
      var id = method + path + p.name;
      inputs[p.name] = h('input', { id: id, placeholder: p.example !== undefined ? String(p.example) : '', value: p.in === 'path' && p.example !== undefined ? String(p.example) : '' });
      grid.appendChild(h('label', { for: id }, p.name + (p.required ? ' *' : '') + ' (' + p.in + ')'));
      grid.appendChild(h('div', null, inputs[p.name], ' ', h('span', { class: 'muted' }, hint + (p.description ? ' — ' + p.description : ''))));
    });
    var ex = example(doc, op);
    var body = ex === null ? null : h('textarea', { rows: 6, class: 'mono', spellcheck: 'false', 'aria-label': 'Request body (JSON)' }, JSON.stringify(ex, null, 2));
    var out = h('div');
    var send = h('button', { type: 'submit', class: 'primary' }, 'Send');
    var form = h('form', { onsubmit: function (ev) {
      ev.preventDefault();
      var url = path.replace(/\{([^}]+)\}/g, function (_, n) { return encodeURIComponent(inputs[n] ? inputs[n].value : ''); });
      var q = {};
      params.forEach(function (p) { if (p.in === 'query' && inputs[p.name].value !== '') q[p.name] = inputs[p.name].value; });
      var init = { method: method.toUpperCase(), headers: { Authorization: 'Bearer ' + tokenBox.value }, cache: 'no-store' };
      if (body) {
        try { JSON.parse(body.value); } catch (e) { O.clear(out).appendChild(O.errBox('The body is not JSON: ' + e.message)); return; }
        init.headers['Content-Type'] = 'application/json'; init.body = body.value;
      }
      var t0 = performance.now();
      O.clear(out).appendChild(h('p', { class: 'muted' }, 'Sending…'));
      var ctl = new AbortController();
      var timer = setTimeout(function () { ctl.abort(); }, 10000); /* event streams go on: show what came */
      init.signal = ctl.signal;
      var shown = '';
      fetch(url + O.qs(q), init).then(function (r) {
        var head = h('p', null, O.badge(String(r.status), r.ok ? 'ok' : 'failed'), ' ' + method.toUpperCase() + ' ' + url + O.qs(q) +
          ' · ' + Math.round(performance.now() - t0) + ' ms · ' + (r.headers.get('Content-Type') || ''));
        /* read as it comes: an event stream shows what arrived when it is stopped */
        var reader = r.body.getReader();
        var dec = new TextDecoder();
        function pump() {
          return reader.read().then(function (x) {
            if (x.done) return shown;
            shown += dec.decode(x.value, { stream: true });
            return pump();
          });
        }
        return pump().then(function (text) {
          clearTimeout(timer);
          O.clear(out).appendChild(head);
          var v;
          try { v = JSON.parse(text); } catch (e) { v = undefined; }
          out.appendChild(v !== undefined ? O.tree(v, 'Response') : h('pre', { class: 'json' }, text));
        }, function () { O.clear(out).appendChild(head); out.appendChild(h('pre', { class: 'json' }, shown || '(stopped after 10 s)')); });
      }).catch(function (e) { clearTimeout(timer); O.clear(out).appendChild(O.errBox(e)); });
    } }, grid, body ? h('label', null, 'Body (JSON)') : null, body, h('div', { class: 'row' }, send), out);
    var codes = Object.keys(op.responses || {}).join(' ');
    return h('details', { class: 'card op' },
      h('summary', null, h('span', { class: 'm m-' + method }, method.toUpperCase()), h('code', null, path),
        h('span', null, op.summary || ''), h('span', { class: 'muted' }, codes)),
      op.description ? h('p', { class: 'muted' }, op.description) : null,
      op.security && op.security.length === 0 ? h('p', { class: 'muted' }, 'No token needed.') : null,
      form);
  }

  fetch('/static/swagger.json').then(function (r) { return r.json(); }).then(function (doc) {
    O.$('#desc').textContent = doc.info.description;
    var ops = O.clear(O.$('#ops'));
    Object.keys(doc.paths).forEach(function (p) {
      Object.keys(doc.paths[p]).forEach(function (m) {
        if (['get', 'post', 'put', 'patch', 'delete'].indexOf(m) >= 0) ops.appendChild(operation(doc, p, m, doc.paths[p][m]));
      });
    });
  }).catch(function (e) { O.clear(O.$('#ops')).appendChild(O.errBox(e)); });
})();
