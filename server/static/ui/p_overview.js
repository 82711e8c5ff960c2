/* p_overview.js - running jobs (current step, elapsed), recent failures,
 * schedules with their next run, the service's health. Refreshed every
 * 3 s while the tab is visible. */
'use strict';
(function () {
  var h = O.h;

  function table(head, rows, empty) {
    if (!rows.length) return h('p', { class: 'muted' }, empty);
    return h('table', null, h('thead', null, h('tr', null, head.map(function (x) { return h('th', { scope: 'col' }, x); }))),
      h('tbody', null, rows.map(function (r) { return h('tr', null, r.map(function (c) { return h('td', null, c); })); })));
  }

  function health(hl) {
    var st = hl.store || {};
    var w = hl.workers || {};
    return h('dl', { class: 'kv' },
      h('dt', null, 'Service'), h('dd', null, O.badge(hl.status, hl.status === 'ok' ? 'ok' : 'failed'), ' version ' + hl.version + ', step ABI ' + hl.abi),
      h('dt', null, 'Job store'), h('dd', null, st.ok ? O.badge('ok') : O.badge('failing', 'failed'), ' ',
        st.error ? h('span', { class: 'error-text' }, st.error) : '', st.errors_total ? ' · ' + st.errors_total + ' error(s)' : ''),
      h('dt', null, 'Workers'), h('dd', null, w.workers !== undefined
        ? w.workers + ' (' + w.busy + ' busy, ' + w.idle + ' idle' + (w.crashes ? ', ' + w.crashes + ' crashed' : '') + ')'
        : (w.isolation || '—') + ' isolation'),
      h('dt', null, 'Jobs'), h('dd', null, hl.running_flows + ' unfinished, ' + hl.queued + ' queued'),
      h('dt', null, 'Plugins'), h('dd', null, String(hl.plugins)));
  }

  O.pages.overview = {
    title: 'Overview',
    render: function (view) {
      var boxes = {
        running: h('section', { class: 'card', 'aria-labelledby': 'ov-run' }, h('h2', { id: 'ov-run' }, 'Running jobs'), h('p', { class: 'muted' }, 'Loading…')),
        failures: h('section', { class: 'card', 'aria-labelledby': 'ov-fail' }, h('h2', { id: 'ov-fail' }, 'Recent failures'), h('p', { class: 'muted' }, 'Loading…')),
        schedules: h('section', { class: 'card', 'aria-labelledby': 'ov-sch' }, h('h2', { id: 'ov-sch' }, 'Schedules'), h('p', { class: 'muted' }, 'Loading…')),
        health: h('section', { class: 'card', 'aria-labelledby': 'ov-h' }, h('h2', { id: 'ov-h' }, 'Health'), h('p', { class: 'muted' }, 'Loading…'))
      };
      view.appendChild(h('h1', null, 'Overview'));
      view.appendChild(h('div', { class: 'grid' }, boxes.running, boxes.health, boxes.failures, boxes.schedules));
      var signal = O.abortable();

      function fill(box, content) {
        while (box.childNodes.length > 1) box.removeChild(box.lastChild);
        O.add(box, content);
      }
      function load() {
        O.get('/api/jobs', { signal: signal }).then(function (r) {
          fill(boxes.running, table(['Job', 'Flow', 'State', 'Current step', 'Elapsed'], r.running.map(function (j) {
            var cur = j.current_step;
            return [O.jobLink(j.id), j.flow_path, O.badge(j.state),
              cur ? cur.name + ' (' + cur.type + ')' : '—', O.dur(O.since(j.started || j.created))];
          }), 'Nothing is running.'));
        }).catch(function (e) { if (e.name !== 'AbortError') fill(boxes.running, O.errBox(e)); });
        O.get('/api/v1/jobs?status=failed&limit=8', { signal: signal }).then(function (r) {
          fill(boxes.failures, table(['Job', 'Flow', 'Ended', 'Error'], r.jobs.map(function (j) {
            return [O.jobLink(j.id), j.flow_path, O.time(j.ended), h('span', { class: 'error-text clip' }, j.error || '')];
          }), 'No failed job.'));
        }).catch(function (e) { if (e.name !== 'AbortError') fill(boxes.failures, O.errBox(e)); });
        O.get('/api/v1/schedules', { signal: signal }).then(function (r) {
          fill(boxes.schedules, table(['Flow', 'When', 'Next run', 'Last'], r.schedules.map(function (s) {
            return [s.path, s.cron ? 'cron ' + s.cron : 'every ' + s.every_seconds + ' s',
              s.paused ? O.badge('paused') : O.time(s.next_run),
              s.last_status ? (s.last_job_id ? O.jobLink(s.last_job_id, s.last_status) : s.last_status) : '—'];
          }), 'No schedule.'));
        }).catch(function (e) { if (e.name !== 'AbortError') fill(boxes.schedules, O.errBox(e)); });
        fetch('/api/health', { signal: signal, cache: 'no-store' }).then(function (r) { return r.json(); })
          .then(function (hl) { fill(boxes.health, health(hl)); })
          .catch(function (e) { if (e.name !== 'AbortError') fill(boxes.health, O.errBox(e)); });
      }
      load();
      O.every(3000, load);
    }
  };
})();
