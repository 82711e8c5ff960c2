/* p_job.js - one job: its state, the step timeline (timeline.js), the
 * selected step's error, input and output, the job's input and result,
 * a cancel button; live over GET /api/v1/jobs/{id}/events while it runs. */
'use strict';
(function () {
  var h = O.h;

  O.pages.job = {
    title: 'Job',
    render: function (view, args) {
      var id = args[0] || '';
      var signal = O.abortable();
      var job = null;
      var head = h('div');
      var tl = h('section', { class: 'card', 'aria-labelledby': 'tl-h' });
      var detail = h('div', { id: 'step-detail' });
      var data = h('section', { class: 'card' });
      var live = h('span', { class: 'live muted', role: 'status' });
      var state = { open: {}, selected: null, onSelect: null, rerender: null, group: null };
      view.appendChild(head);
      view.appendChild(tl);
      view.appendChild(detail);
      view.appendChild(data);

      state.onSelect = function (g) { state.group = g.key; renderTimeline(); showStep(g); };
      state.rerender = function () { renderTimeline(); };

      function showStep(g) {
        O.clear(detail).appendChild(O.stepDetails(g));
      }

      function cancel() {
        if (!confirm('Cancel job ' + id + '?')) return;
        O.api('POST', '/api/v1/jobs/' + encodeURIComponent(id) + '/cancel').then(function () {
          O.toast('Cancel requested.');
        }, function (e) { O.toast(e.message, 'err'); });
      }

      var durEl = null;
      function elapsed() {
        return job.state === 'finished' ? O.dur(job.duration_seconds) : job.started ? O.dur(O.since(job.started)) + ' so far' : '—';
      }

      function renderHead() {
        O.clear(head);
        var finished = job.state === 'finished';
        head.appendChild(h('div', { class: 'title-row' },
          h('h1', null, 'Job ', h('span', { class: 'mono' }, id.slice(0, 8))), O.badge(job.status || job.state, job.status || job.state), live,
          finished ? null : h('button', { type: 'button', class: 'danger', id: 'cancel', onclick: cancel }, 'Cancel')));
        head.appendChild(h('dl', { class: 'kv card' },
          h('dt', null, 'Flow'), h('dd', null, h('a', { href: '#/flows?open=' + encodeURIComponent(job.flow_path) }, job.flow_path)),
          h('dt', null, 'Id'), h('dd', { class: 'mono' }, job.id),
          h('dt', null, 'Source'), h('dd', null, job.source + (job.schedule_id ? ' (schedule ' + job.schedule_id.slice(0, 8) + ')' : '')),
          h('dt', null, 'Created'), h('dd', null, O.time(job.created)),
          h('dt', null, 'Started'), h('dd', null, O.time(job.started)),
          h('dt', null, 'Ended'), h('dd', null, O.time(job.ended)),
          h('dt', null, 'Duration'), durEl = h('dd', null, elapsed()),
          job.timeout_seconds ? [h('dt', null, 'Timeout'), h('dd', null, job.timeout_seconds + ' s')] : null,
          h('dt', null, 'Node'), h('dd', null, job.node || '—')));
        if (job.error) head.appendChild(h('div', { class: 'error', role: 'alert', id: 'job-error' }, job.error));
      }

      function renderTimeline() {
        O.clear(tl).appendChild(h('h2', { id: 'tl-h' }, 'Timeline'));
        tl.appendChild(O.timeline(job, state));
      }

      function renderData() {
        O.clear(data).appendChild(h('h2', null, 'Data'));
        data.appendChild(h('div', { class: 'cols' },
          O.tree(job.input, 'Input' + (job.input_truncated ? ' (truncated)' : '')),
          O.tree(job.result === null && job.state !== 'finished' ? undefined : job.result, 'Result' + (job.result_truncated ? ' (truncated)' : ''))));
      }

      var headKey = null;
      function render() {
        /* the head holds the cancel button: rebuilt only when it changes, so focus stays */
        var k = [job.state, job.status, job.error, job.started, job.ended].join('|');
        if (k !== headKey) { headKey = k; renderHead(); }
        renderTimeline(); renderData();
        if (state.group && job.timeline) {
          /* keep the selected step's details current */
          var sel = O.$('#view .tl-name.sel');
          if (sel) sel.click();
        } else if (job.timeline && !state.group) {
          /* a failed job opens on its failing step */
          var failed = job.timeline.filter(function (s) { return s.outcome === 'failed' && s.depth === 0; })[0];
          if (failed) {
            var btns = Array.prototype.slice.call(document.querySelectorAll('#view .tl-name'));
            var b = btns.filter(function (x) { return x.textContent.indexOf(failed.name) >= 0; })[0];
            if (b) b.click();
          }
        }
      }

      function upsertStep(s) {
        job.timeline = job.timeline || [];
        for (var i = 0; i < job.timeline.length; i++) {
          if (job.timeline[i].seq === s.seq) { job.timeline[i] = s; return; }
        }
        job.timeline.push(s);
      }

      function reload() {
        return O.get('/api/v1/jobs/' + encodeURIComponent(id), { signal: signal }).then(function (j) { job = j; render(); });
      }

      function follow() {
        live.textContent = '● live';
        var pending = null;
        O.sse('/api/v1/jobs/' + encodeURIComponent(id) + '/events', function (ev, d) {
          if (ev === 'job') { job = d; }
          else if (ev === 'step') { upsertStep(d); }
          else if (ev === 'state') { job.state = d.state; }
          else if (ev === 'end') { live.textContent = ''; reload(); return; }
          if (!pending) pending = setTimeout(function () { pending = null; render(); }, 100);
        }, signal).then(function () { live.textContent = ''; }, function (e) {
          if (e.name !== 'AbortError') { live.textContent = ''; O.toast('Live updates stopped: ' + e.message, 'err'); }
        });
        /* the elapsed time moves on between events */
        O.every(1000, function () { if (job && job.state !== 'finished' && durEl) durEl.textContent = elapsed(); });
      }

      reload().then(function () { if (job.state !== 'finished') follow(); }, function (e) {
        if (e.name !== 'AbortError') view.appendChild(O.errBox(e.status === 404 ? 'No job ' + id + '.' : e));
      });
    }
  };
})();
