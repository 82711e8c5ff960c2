/* json.js - a collapsible JSON tree (details/summary: keyboard usable
 * without any script of its own). Values are text nodes: a string
 * holding markup is shown as the string it is. */
'use strict';
(function () {
  var h = O.h;
  var MAX_OPEN = 2;       /* levels open at first */
  var MAX_CHILDREN = 500; /* more is summarised */

  function scalar(v) {
    if (v === null) return h('span', { class: 'j-null' }, 'null');
    if (typeof v === 'string') return h('span', { class: 'j-str' }, JSON.stringify(v));
    if (typeof v === 'number') return h('span', { class: 'j-num' }, String(v));
    if (typeof v === 'boolean') return h('span', { class: 'j-bool' }, String(v));
    return h('span', null, String(v));
  }

  function node(key, v, depth) {
    var label = key === null ? null : h('span', { class: 'j-key' }, key + ': ');
    if (v === null || typeof v !== 'object') return h('div', { class: 'j-row' }, label, scalar(v));
    var arr = Array.isArray(v);
    var keys = arr ? v.map(function (_, i) { return i; }) : Object.keys(v);
    var open = arr ? '[' : '{';
    var close = arr ? ']' : '}';
    if (keys.length === 0) return h('div', { class: 'j-row' }, label, open + close);
    var d = h('details', { class: 'j-node' });
    if (depth < MAX_OPEN) d.open = true;
    d.appendChild(h('summary', null, label, open, h('span', { class: 'j-count' },
      ' ' + keys.length + (arr ? ' item' : ' key') + (keys.length === 1 ? '' : 's') + ' '), close));
    var body = h('div', { class: 'j-children' });
    keys.slice(0, MAX_CHILDREN).forEach(function (k) { body.appendChild(node(String(k), v[k], depth + 1)); });
    if (keys.length > MAX_CHILDREN) body.appendChild(h('div', { class: 'muted' }, '… ' + (keys.length - MAX_CHILDREN) + ' more'));
    d.appendChild(body);
    return d;
  }

  /* O.tree(value, title): a titled tree; an absent value says so. */
  O.tree = function (v, title) {
    var box = h('div', { class: 'json' });
    if (title) box.appendChild(h('div', { class: 'j-title' }, title));
    box.appendChild(v === undefined ? h('div', { class: 'muted' }, '(none)') : node(null, v, 0));
    return box;
  };
})();
