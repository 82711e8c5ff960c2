/* p_sched.js - schedules (add, pause/resume, remove) and flow locks
 * (list, release; a lock a run holds can only go with its run, which the
 * page offers to cancel). */
'use strict';
(function () {
  var h = O.h;

  function table(head, rows) {
    return h('table', null, h('thead', null, h('tr', null, head.map(function (x) { return h('th', { scope: 'col' }, x); }))),
      h('tbody', null, rows));
  }

  function addForm(done, preset) {
    var flows = h('datalist', { id: 'sched-flows' });
    var kind = h('select', { name: 'kind', 'aria-label': 'Kind' }, h('option', { value: 'cron' }, 'cron'), h('option', { value: 'every' }, 'every N seconds'));
    var when = h('input', { name: 'when', required: true, placeholder: '*/5 * * * *', 'aria-label': 'Cron expression or seconds' });
    kind.addEventListener('change', function () { when.placeholder = kind.value === 'cron' ? '*/5 * * * *' : '300'; });
    var msg = h('span', { role: 'status' });
    O.get('/api/v1/flows').then(function (r) {
      r.flows.forEach(function (f) { if (f.valid) flows.appendChild(h('option', { value: f.path })); });
    }).catch(function () { /* typed by hand then */ });
    var form = h('form', { class: 'card filters', id: 'sched-add', onsubmit: function (ev) {
      ev.preventDefault();
      var f = new FormData(form);
      var body = { path: f.get('path'), overlap: f.get('overlap'), missed: f.get('missed') };
      if (kind.value === 'cron') body.cron = when.value;
      else {
        body.every_seconds = Number(when.value);
        if (!Number.isInteger(body.every_seconds) || body.every_seconds <= 0) { msg.textContent = 'Seconds: a positive integer.'; msg.className = 'error-text'; return; }
      }
      if (f.get('timeout')) body.timeout_seconds = Number(f.get('timeout'));
      O.api('POST', '/api/v1/schedules', body).then(function () {
        O.toast('Schedule added.'); form.reset(); done();
      }, function (e) { msg.textContent = e.message; msg.className = 'error-text'; });
    } },
    h('h2', null, 'Add a schedule'),
    h('label', null, 'Flow ', h('input', { name: 'path', list: 'sched-flows', required: true, value: preset || '', placeholder: 'hello.yml' })), flows,
    h('label', null, 'Kind ', kind), h('label', null, 'When ', when),
    h('label', null, 'Timeout (s) ', h('input', { name: 'timeout', type: 'number', min: '0', step: 'any', class: 'narrow' })),
    h('label', null, 'Overlap ', h('select', { name: 'overlap' }, h('option', { value: 'skip' }, 'skip'), h('option', { value: 'queue' }, 'queue'))),
    h('label', null, 'Missed ', h('select', { name: 'missed' }, h('option', { value: 'none' }, 'none'), h('option', { value: 'last' }, 'last'))),
    h('button', { type: 'submit', class: 'primary' }, 'Add'), msg);
    return form;
  }

  function act(method, path, what, done) {
    return O.api(method, path).then(function () { O.toast(what); done(); }, function (e) { O.toast(e.message, 'err'); });
  }

  O.pages.schedules = {
    title: 'Schedules',
    render: function (view, args, query) {
      var list = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
      var signal = O.abortable();
      function load() {
        O.get('/api/v1/schedules', { signal: signal }).then(function (r) {
          O.clear(list);
          if (!r.schedules.length) { list.appendChild(h('p', { class: 'muted' }, 'No schedule.')); return; }
          list.appendChild(table(['Flow', 'When', 'Next run', 'Last run', 'Last', 'Source', ''], r.schedules.map(function (s) {
            var base = '/api/v1/schedules/' + encodeURIComponent(s.id);
            return h('tr', { 'data-id': s.id }, h('td', { class: 'mono' }, s.path),
              h('td', null, s.cron ? 'cron ' + s.cron : 'every ' + s.every_seconds + ' s', s.overlap === 'queue' ? ' · queue' : '', s.missed === 'last' ? ' · missed: last' : ''),
              h('td', null, s.paused ? O.badge('paused') : O.time(s.next_run)), h('td', null, O.time(s.last_run)),
              h('td', null, s.running ? O.badge('running') : s.last_status ? (s.last_job_id ? O.jobLink(s.last_job_id, s.last_status) : s.last_status) : '—'),
              h('td', null, s.source),
              h('td', { class: 'actions' },
                s.paused ? h('button', { type: 'button', onclick: function () { act('POST', base + '/resume', 'Resumed.', load); } }, 'Resume')
                  : h('button', { type: 'button', onclick: function () { act('POST', base + '/pause', 'Paused.', load); } }, 'Pause'),
                h('button', { type: 'button', class: 'danger', onclick: function () {
                  if (confirm('Remove the schedule of ' + s.path + '?')) act('DELETE', base, 'Removed.', load);
                } }, 'Remove')));
          })));
        }).catch(function (e) { if (e.name !== 'AbortError') O.clear(list).appendChild(O.errBox(e)); });
      }
      view.appendChild(h('h1', null, 'Schedules'));
      view.appendChild(list);
      view.appendChild(addForm(load, query.get('path')));
      load();
      O.every(5000, load);
    }
  };

  O.pages.locks = {
    title: 'Locks',
    render: function (view) {
      var list = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
      var signal = O.abortable();
      function release(l, cancel) {
        var name = l.filename.replace(/\.lock$/, '');
        O.api('DELETE', '/api/locks/' + encodeURIComponent(name) + (cancel ? '?cancel=true' : '')).then(function (r) {
          O.toast(r.status || 'Released.'); load();
        }, function (e) {
          if (e.status === 409 && !cancel && e.body && e.body.holder && confirm(e.message + '\n\nCancel that run?')) release(l, true);
          else O.toast(e.message, 'err');
        });
      }
      function load() {
        O.get('/api/locks', { signal: signal }).then(function (r) {
          O.clear(list);
          if (!r.locks.length) { list.appendChild(h('p', { class: 'muted' }, 'No flow holds a lock.')); return; }
          list.appendChild(table(['Lock', 'Since', 'Process', 'Host', 'Job', ''], r.locks.map(function (l) {
            return h('tr', null, h('td', { class: 'mono' }, l.filename), h('td', null, O.time(l.timestamp)), h('td', null, String(l.pid)),
              h('td', null, l.host || '—'), h('td', null, l.job_id ? O.jobLink(l.job_id) : '—'),
              h('td', null, h('button', { type: 'button', class: 'danger', onclick: function () { release(l, false); } }, 'Release')));
          })));
        }).catch(function (e) { if (e.name !== 'AbortError') O.clear(list).appendChild(O.errBox(e)); });
      }
      view.appendChild(h('h1', null, 'Locks'));
      view.appendChild(h('p', { class: 'muted' }, 'A flow holds its lock while it runs; the kernel releases it when the run ends, whatever happens.'));
      view.appendChild(list);
      load();
      O.every(3000, load);
    }
  };
})();
