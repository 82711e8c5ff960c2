/* p_logs.js - the log's tail, followed every 2 s, filtered by level (the
 * API's) and by text (here). */
'use strict';
(function () {
  var h = O.h;
  var LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR'];

  function levelOf(line) {
    for (var i = LEVELS.length - 1; i >= 0; i--) if (line.indexOf(' - ' + LEVELS[i] + ' - ') >= 0) return LEVELS[i];
    return 'INFO';
  }

  O.pages.logs = {
    title: 'Logs',
    render: function (view, args, query) {
      var level = h('select', { id: 'log-level', 'aria-label': 'Minimum level' }, LEVELS.map(function (l) {
        var o = h('option', { value: l }, l); if (l === (query.get('level') || 'INFO')) o.selected = true; return o;
      }));
      var lines = h('select', { id: 'log-lines', 'aria-label': 'Lines' }, ['100', '500', '2000'].map(function (n) { return h('option', { value: n }, n + ' lines'); }));
      var text = h('input', { type: 'search', placeholder: 'Filter text', 'aria-label': 'Filter lines by text' });
      var followBox = h('input', { type: 'checkbox', id: 'log-follow', checked: true });
      var pre = h('pre', { class: 'log', id: 'log', tabindex: '0', 'aria-live': 'off', 'aria-label': 'Log lines' });
      var status = h('span', { class: 'muted', role: 'status' });
      var last = [];
      var signal = O.abortable();
      view.appendChild(h('div', { class: 'title-row' }, h('h1', null, 'Logs'),
        h('label', null, 'Level ', level), lines, text, h('label', null, followBox, ' follow'), status));
      view.appendChild(pre);

      function show() {
        var f = text.value.toLowerCase();
        var atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8;
        O.clear(pre);
        last.forEach(function (l) {
          if (f && l.toLowerCase().indexOf(f) < 0) return;
          pre.appendChild(h('span', { class: 'l-' + levelOf(l) }, l.replace(/\n$/, '') + '\n'));
        });
        if (atEnd || followBox.checked) pre.scrollTop = pre.scrollHeight;
      }
      function load() {
        O.get('/api/v1/logs' + O.qs({ lines: lines.value, level: level.value }), { signal: signal }).then(function (r) {
          last = r.logs; status.textContent = last.length + ' lines · ' + new Date().toLocaleTimeString(); show();
        }, function (e) {
          if (e.name === 'AbortError') return;
          last = []; show(); status.textContent = e.message;
        });
      }
      [level, lines].forEach(function (s) { s.addEventListener('change', load); });
      text.addEventListener('input', show);
      load();
      O.every(2000, function () { if (followBox.checked) load(); });
    }
  };
})();
