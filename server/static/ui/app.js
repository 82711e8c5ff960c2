/* app.js - start: the theme toggle, logout, the router. Loaded last. */
'use strict';
(function () {
  var root = document.documentElement;
  var saved = localStorage.getItem('octoflow.theme');
  if (saved) root.setAttribute('data-theme', saved);
  O.$('#theme').addEventListener('click', function () {
    var dark = root.getAttribute('data-theme') ? root.getAttribute('data-theme') === 'dark'
      : matchMedia('(prefers-color-scheme: dark)').matches;
    var next = dark ? 'light' : 'dark';
    root.setAttribute('data-theme', next);
    localStorage.setItem('octoflow.theme', next);
  });
  O.$('#logout').addEventListener('click', function () { O.login('Logged out.'); });
  window.addEventListener('hashchange', O.route);
  O.route();
})();
