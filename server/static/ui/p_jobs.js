/* p_jobs.js - the job history: filters (flow, status, state, source, a
 * time range) kept in the address, so a filtered view can be shared, and
 * pages of 25. */
'use strict';
(function () {
  var h = O.h;
  var PAGE = 25;
  var FILTERS = ['flow', 'status', 'state', 'source', 'from', 'to', 'offset'];

  function select(name, label, values, current) {
    return h('label', null, label + ' ', h('select', { name: name },
      h('option', { value: '' }, 'any'),
      values.map(function (v) { var o = h('option', { value: v }, v); if (v === current) o.selected = true; return o; })));
  }

  /* datetime-local (wall time here) -> ISO 8601 with this browser's offset */
  function iso(local) {
    if (!local) return '';
    var d = new Date(local);
    return isNaN(d) ? '' : d.toISOString();
  }

  O.pages.jobs = {
    title: 'Jobs',
    render: function (view, args, query) {
      var q = {};
      FILTERS.forEach(function (k) { q[k] = query.get(k) || ''; });
      var offset = parseInt(q.offset, 10) || 0;
      var flowList = h('datalist', { id: 'flow-paths' });
      var form = h('form', { class: 'filters card', onsubmit: function (ev) {
        ev.preventDefault();
        var f = new FormData(form);
        var nq = {};
        FILTERS.forEach(function (k) { if (k !== 'offset' && f.get(k)) nq[k] = f.get(k); });
        location.hash = '#/jobs' + O.qs(nq);
      } },
      h('label', null, 'Flow ', h('input', { name: 'flow', list: 'flow-paths', value: q.flow, placeholder: 'any' })), flowList,
      select('status', 'Status', ['success', 'failed', 'exit', 'cancelled', 'timeout', 'abandoned'], q.status),
      select('state', 'State', ['queued', 'running', 'finished'], q.state),
      select('source', 'Source', ['api', 'schedule', 'cli'], q.source),
      h('label', null, 'Started from ', h('input', { type: 'datetime-local', name: 'from', value: q.from })),
      h('label', null, 'to ', h('input', { type: 'datetime-local', name: 'to', value: q.to })),
      h('button', { type: 'submit', class: 'primary' }, 'Filter'),
      h('a', { href: '#/jobs', class: 'button' }, 'Reset'));
      var out = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
      view.appendChild(h('h1', null, 'Jobs'));
      view.appendChild(form);
      view.appendChild(out);
      var signal = O.abortable();
      O.get('/api/v1/flows', { signal: signal }).then(function (r) {
        r.flows.forEach(function (f) { flowList.appendChild(h('option', { value: f.path })); });
      }).catch(function () { /* the filter still works typed */ });

      var api = {
        flow: q.flow, status: q.status, state: q.state, source: q.source,
        start_time_from: iso(q.from), start_time_to: iso(q.to), limit: PAGE, offset: offset
      };
      O.get('/api/v1/jobs' + O.qs(api), { signal: signal }).then(function (r) {
        O.clear(out);
        if (!r.jobs.length) { out.appendChild(h('p', { class: 'muted' }, 'No job matches.')); return; }
        out.appendChild(h('table', { class: 'jobs' },
          h('thead', null, h('tr', null, ['Job', 'Flow', 'Source', 'State', 'Status', 'Started', 'Duration', 'Error'].map(function (x) { return h('th', { scope: 'col' }, x); }))),
          h('tbody', null, r.jobs.map(function (j) {
            return h('tr', null, h('td', null, O.jobLink(j.id)), h('td', null, j.flow_path), h('td', null, j.source),
              h('td', null, j.state), h('td', null, j.status ? O.badge(j.status) : '—'), h('td', null, O.time(j.started || j.created)),
              h('td', null, O.dur(j.duration_seconds)), h('td', null, h('span', { class: 'error-text clip' }, j.error || '')));
          }))));
        var nav = h('nav', { class: 'pager', 'aria-label': 'pages' });
        function link(label, off, enabled) {
          var nq = {};
          FILTERS.forEach(function (k) { if (k !== 'offset' && q[k]) nq[k] = q[k]; });
          nq.offset = off || '';
          return enabled ? h('a', { href: '#/jobs' + O.qs(nq), class: 'button' }, label) : h('span', { class: 'button disabled', 'aria-disabled': 'true' }, label);
        }
        nav.appendChild(link('← Newer', Math.max(0, offset - PAGE), offset > 0));
        nav.appendChild(h('span', null, (offset + 1) + '–' + (offset + r.jobs.length) + ' of ' + r.total));
        nav.appendChild(link('Older →', offset + PAGE, offset + PAGE < r.total));
        out.appendChild(nav);
      }).catch(function (e) { if (e.name !== 'AbortError') O.clear(out).appendChild(O.errBox(e)); });
    }
  };
})();
