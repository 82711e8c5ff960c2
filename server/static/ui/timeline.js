/* timeline.js - a job's steps as bars on a time axis.
 *
 * One line per step; the attempts of a retried step are segments of its
 * line. Steps of a sub-flow are indented under the step that ran it; the
 * items of a loop are collapsed under their step (a toggle opens them).
 * Colours say the outcome; the legend says which is which. */
'use strict';
(function () {
  var h = O.h;
  var OUTCOMES = ['ok', 'running', 'retried', 'ignored', 'failed', 'skipped', 'aborted'];

  function t(iso) { return iso ? new Date(iso).getTime() / 1000 : null; }

  /* rows -> groups: {key, attempts[], children[], items[], depth} */
  function build(rows) {
    var bySeq = {}, groups = {}, order = [];
    rows.forEach(function (r) { bySeq[r.seq] = r; });
    rows.forEach(function (r) {
      var key = [r.parent === null ? '' : r.parent, r.item === null ? '' : r.item, r.index, r.flow].join('|');
      var g = groups[key];
      if (!g) { g = groups[key] = { key: key, attempts: [], children: [], items: [], row: r }; order.push(g); }
      g.attempts.push(r);
    });
    /* the parent of a group is the group holding the row its parent seq names */
    var groupOfSeq = {};
    order.forEach(function (g) { g.attempts.forEach(function (r) { groupOfSeq[r.seq] = g; }); });
    var top = [];
    order.forEach(function (g) {
      g.attempts.sort(function (a, b) { return (a.attempt || 0) - (b.attempt || 0) || a.seq - b.seq; });
      g.last = g.attempts[g.attempts.length - 1];
      var p = g.row.parent !== null ? groupOfSeq[g.row.parent] : null;
      if (!p) top.push(g);
      else if (g.row.item !== null && g.row.item !== undefined && p.row.item !== g.row.item) p.items.push(g);
      else p.children.push(g);
    });
    return top;
  }

  function span(rows, job) {
    var lo = t(job.started) || Infinity, hi = t(job.ended) || 0;
    rows.forEach(function (r) {
      var s = t(r.started);
      if (s === null) return;
      lo = Math.min(lo, s);
      var e = r.duration_us !== null && r.duration_us !== undefined ? s + r.duration_us / 1e6 : Date.now() / 1000;
      hi = Math.max(hi, e);
    });
    if (!job.ended && job.state !== 'finished') hi = Math.max(hi, Date.now() / 1000);
    if (!isFinite(lo)) lo = Date.now() / 1000;
    if (hi <= lo) hi = lo + 0.001;
    return { lo: lo, hi: hi };
  }

  /* O.timeline(job, state): state.open (item toggles), state.selected,
   * state.onSelect(group) survive re-renders. */
  O.timeline = function (job, state) {
    var rows = job.timeline || [];
    var box = h('div', { class: 'timeline' });
    if (!rows.length) return O.add(box, h('p', { class: 'muted' }, job.state === 'queued' ? 'Waiting for a worker…' : 'No step ran.'));
    var sp = span(rows, job);
    var total = sp.hi - sp.lo;
    var axis = h('div', { class: 'tl-axis', 'aria-hidden': 'true' });
    for (var i = 0; i <= 4; i++) {
      var tick = h('span', { class: 'tl-tick' }, O.dur(total * i / 4));
      tick.style.left = (i * 25) + '%';
      axis.appendChild(tick);
    }
    box.appendChild(h('div', { class: 'tl-line tl-head' }, h('span', { class: 'tl-name' }, 'step'), axis));

    function bar(r) {
      var s = t(r.started);
      var d = r.duration_us !== null && r.duration_us !== undefined ? r.duration_us / 1e6 : Date.now() / 1000 - s;
      var b = h('span', { class: 'tl-bar o-' + r.outcome, title: r.outcome + ' · ' + O.dur(d) + (r.attempt > 1 ? ' · attempt ' + r.attempt : '') });
      b.style.left = ((s - sp.lo) / total * 100) + '%';
      b.style.width = Math.max(d / total * 100, 0.3) + '%';
      return b;
    }

    function line(g, depth, prefix) {
      var last = g.last;
      var label = (prefix || '') + (last.name || ('step ' + last.index));
      var selected = state.selected === g.key;
      var name = h('button', { type: 'button', class: 'tl-name' + (selected ? ' sel' : ''), 'aria-pressed': selected ? 'true' : 'false',
        title: last.type + ' · ' + last.outcome, onclick: function () { state.selected = g.key; state.onSelect(g); } },
      h('span', { class: 'tl-dot o-' + last.outcome }), label,
      g.attempts.length > 1 ? h('span', { class: 'tl-retries' }, ' ×' + g.attempts.length) : null);
      name.style.paddingLeft = (0.4 + depth * 1.1) + 'em';
      var track = h('div', { class: 'tl-track' });
      g.attempts.forEach(function (r) { if (r.started) track.appendChild(bar(r)); });
      var out = [h('div', { class: 'tl-line' }, name, track)];
      g.children.forEach(function (c) { out = out.concat(line(c, depth + 1)); });
      if (g.items.length) {
        var open = !!state.open[g.key];
        var failed = g.items.filter(function (x) { return x.last.outcome === 'failed'; }).length;
        var tog = h('button', { type: 'button', class: 'tl-items', 'aria-expanded': open ? 'true' : 'false', onclick: function () {
          state.open[g.key] = !open; state.rerender();
        } }, (open ? '▾ ' : '▸ ') + g.items.length + ' loop item' + (g.items.length === 1 ? '' : 's') +
          (failed ? ' (' + failed + ' failed)' : '') + (job.steps_dropped ? ' — ' + job.steps_dropped + ' not recorded' : ''));
        tog.style.marginLeft = (1.5 + depth * 1.1) + 'em';
        out.push(h('div', { class: 'tl-line' }, tog));
        if (open) {
          g.items.sort(function (a, b) { return a.row.item - b.row.item || a.row.index - b.row.index; });
          g.items.forEach(function (c) { out = out.concat(line(c, depth + 1, '#' + c.row.item + ' ')); });
        }
      }
      return out;
    }
    build(rows).forEach(function (g) { line(g, 0).forEach(function (l) { box.appendChild(l); }); });
    var legend = h('div', { class: 'tl-legend', 'aria-label': 'legend' });
    OUTCOMES.forEach(function (o) { legend.appendChild(h('span', null, h('span', { class: 'tl-dot o-' + o }), o)); });
    box.appendChild(legend);
    return box;
  };

  /* The details of one step: each attempt's error, input and output. */
  O.stepDetails = function (g) {
    var box = h('div', { class: 'card step-details' });
    var last = g.last;
    box.appendChild(h('h3', null, last.name || ('step ' + last.index), ' ', O.badge(last.outcome), ' ',
      h('span', { class: 'muted' }, last.type + (last.flow ? ' · ' + last.flow : ''))));
    g.attempts.forEach(function (r) {
      var sec = h('div', { class: 'attempt' });
      sec.appendChild(h('p', { class: 'muted' }, (g.attempts.length > 1 ? 'Attempt ' + r.attempt + ' · ' : '') +
        'started ' + O.time(r.started) + ' · ' + (r.duration_us !== null && r.duration_us !== undefined ? O.dur(r.duration_us / 1e6) : 'running')));
      if (r.error !== null && r.error !== undefined) sec.appendChild(O.tree(r.error, 'Error'));
      sec.appendChild(h('div', { class: 'cols' }, O.tree(r.input === null ? undefined : r.input, 'Input'),
        O.tree(r.output === null ? undefined : r.output, 'Output')));
      box.appendChild(sec);
    });
    return box;
  };
})();
