/* p_flows.js - every flow under FLOWS_PATH: its validation (errors and
 * warnings with file:line), its steps, its schedule, and a launch form
 * whose JSON input is checked before it is sent. */
'use strict';
(function () {
  var h = O.h;

  /* "flows/a.yml:12: steps[0]...: message" -> [where, message] */
  function split(msg) {
    var m = /^([^:\s]+:\d+):\s*(.*)$/.exec(msg);
    return m ? [m[1], m[2]] : [null, msg];
  }

  function diagList(list, kind) {
    return h('ul', { class: 'diags ' + kind }, list.map(function (msg) {
      var p = split(msg);
      return h('li', null, p[0] ? h('code', { class: 'where' }, p[0]) : null, p[0] ? ' ' : null, p[1]);
    }));
  }

  function launchForm(flow) {
    var input = h('textarea', { rows: 5, spellcheck: 'false', class: 'mono', id: 'input-' + flow.path, 'aria-label': 'Input (JSON)' }, '{}');
    var timeout = h('input', { type: 'number', min: '0', step: 'any', placeholder: 'none', 'aria-label': 'Timeout in seconds', class: 'narrow' });
    var status = h('span', { class: 'muted', role: 'status' });
    var button = h('button', { type: 'submit', class: 'primary' }, 'Launch');
    function check() {
      try { JSON.parse(input.value || 'null'); status.textContent = ''; status.className = 'muted'; button.disabled = false; return true; } catch (e) {
        status.textContent = 'Not JSON: ' + e.message; status.className = 'error-text'; button.disabled = true; return false;
      }
    }
    input.addEventListener('input', check);
    return h('form', { class: 'launch', onsubmit: function (ev) {
      ev.preventDefault();
      if (!check()) return;
      var body = { path: flow.path, data: JSON.parse(input.value || 'null') };
      if (timeout.value) body.timeout_seconds = Number(timeout.value);
      button.disabled = true;
      O.api('POST', '/api/v1/jobs', body).then(function (r) {
        location.hash = '#/job/' + encodeURIComponent(r.job_id);
      }, function (e) { button.disabled = false; status.textContent = e.message; status.className = 'error-text'; });
    } }, h('label', { for: 'input-' + flow.path }, 'Input (JSON)'), input,
    h('div', { class: 'row' }, h('label', null, 'Timeout (s) ', timeout), button, status));
  }

  function details(flow) {
    var box = h('div', { class: 'flow-details' });
    if (flow.errors.length) box.appendChild(h('div', null, h('h3', null, 'Errors'), diagList(flow.errors, 'errors')));
    if (flow.warnings.length) box.appendChild(h('div', null, h('h3', null, 'Warnings'), diagList(flow.warnings, 'warnings')));
    if (flow.steps && flow.steps.length) {
      box.appendChild(h('h3', null, 'Steps'));
      box.appendChild(h('ol', { class: 'steps' }, flow.steps.map(function (s) {
        return h('li', null, s.name, ' ', h('span', { class: 'muted' }, s.type + ' · line ' + s.line));
      })));
    }
    var s = flow.schedule;
    box.appendChild(h('p', null, h('strong', null, 'Schedule: '), s
      ? [(s.cron ? 'cron ' + s.cron : 'every ' + s.every_seconds + ' s'), s.paused ? ' (paused)' : ', next ' + O.time(s.next_run),
        ' · ', h('a', { href: '#/schedules' }, 'manage')]
      : [flow.cron || flow.every_seconds ? 'declared in the file (' + (flow.cron ? 'cron ' + flow.cron : 'every ' + flow.every_seconds + ' s') + '), not scheduled · ' : 'none · ',
        h('a', { href: '#/schedules?path=' + encodeURIComponent(flow.path) }, 'add one')]));
    box.appendChild(h('p', null, h('a', { href: '#/jobs?flow=' + encodeURIComponent(flow.path) }, 'History of this flow')));
    if (flow.valid) box.appendChild(launchForm(flow));
    return box;
  }

  O.pages.flows = {
    title: 'Flows',
    render: function (view, args, query) {
      var list = h('div', null, h('p', { class: 'muted' }, 'Checking flows…'));
      var filter = h('input', { type: 'search', placeholder: 'Filter by path', 'aria-label': 'Filter flows by path', value: query.get('q') || '' });
      view.appendChild(h('div', { class: 'title-row' }, h('h1', null, 'Flows'), filter));
      view.appendChild(list);
      var flows = [];
      var open = query.get('open');
      function summary(fl) {
        var state = !fl.valid ? O.badge('invalid', 'failed') : fl.warnings.length ? O.badge('warnings', 'ignored') : O.badge('valid', 'ok');
        return h('summary', null, h('span', { class: 'mono' }, fl.path), ' ', state,
          fl.check === 'shallow' && fl.valid ? h('span', { class: 'muted' }, ' (not compiled yet)') : null,
          h('span', { class: 'muted' }, ' ' + (fl.name || '') + (fl.steps ? ' · ' + fl.steps.length + ' step' + (fl.steps.length === 1 ? '' : 's') : '')),
          fl.schedule ? h('span', { class: 'muted' }, fl.schedule.paused ? ' · schedule paused' : ' · scheduled') : null);
      }
      function item(fl) {
        var d = h('details', { class: 'card flow', 'data-path': fl.path }, summary(fl));
        d.addEventListener('toggle', function () { if (d.open && !d.querySelector('.flow-details')) d.appendChild(details(fl)); });
        if (open === fl.path) { d.open = true; d.appendChild(details(fl)); }
        return d;
      }
      function show() {
        var f = filter.value.toLowerCase();
        O.clear(list);
        var shown = flows.filter(function (x) { return x.path.toLowerCase().indexOf(f) >= 0; });
        if (!shown.length) list.appendChild(h('p', { class: 'muted' }, flows.length ? 'No flow matches.' : 'No flow file under FLOWS_PATH.'));
        shown.forEach(function (fl) { list.appendChild(item(fl)); });
      }
      /* the full verdicts, in place: an open flow keeps what is typed in it
       * unless its verdict changed */
      function update(fresh) {
        var old = {};
        flows.forEach(function (fl) { old[fl.path] = fl; });
        flows = fresh;
        fresh.forEach(function (fl) {
          var d = list.querySelector('details.flow[data-path="' + CSS.escape(fl.path) + '"]');
          if (!d) return;
          if (d.open && old[fl.path] && old[fl.path].valid === fl.valid) d.replaceChild(summary(fl), d.firstChild);
          else d.replaceWith(item(fl));
        });
      }
      filter.addEventListener('input', show);
      /* the quick (shallow) verdicts first, then the workers' full check */
      var signal = O.abortable();
      O.get('/api/v1/flows', { signal: signal }).then(function (r) {
        flows = r.flows; show();
        return O.get('/api/v1/flows?full=true', { signal: signal }).then(function (r2) { update(r2.flows); });
      }).catch(function (e) { if (e.name !== 'AbortError') O.clear(list).appendChild(O.errBox(e)); });
    }
  };
})();
