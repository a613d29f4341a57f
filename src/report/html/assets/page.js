// The page's only script, inlined. Everything it does is a convenience: the page is
// complete without it. It reads the DOM and never loads anything.
(function () {
  'use strict';
  document.documentElement.setAttribute('data-script', 'ran');

  // Pages of the results table: one <tbody> per page, one shown at a time.
  var tables = document.querySelectorAll('table.results[data-pages]');
  Array.prototype.forEach.call(tables, function (table) {
    var pages = table.tBodies;
    if (pages.length < 2) { return; }
    var current = 0;
    var showAll = false;
    var nav = document.createElement('nav');
    nav.className = 'pager';
    nav.setAttribute('aria-label', 'pages of results');
    function button(text, onClick) {
      var b = document.createElement('button');
      b.type = 'button';
      b.textContent = text;
      b.addEventListener('click', onClick);
      nav.appendChild(b);
      return b;
    }
    var previous = button('\u2190 Previous', function () { show(current - 1); });
    var status = document.createElement('span');
    status.setAttribute('aria-live', 'polite');
    nav.appendChild(status);
    var next = button('Next \u2192', function () { show(current + 1); });
    var all = button('Show all', function () { showAll = !showAll; show(current); });
    function show(page) {
      current = Math.max(0, Math.min(pages.length - 1, page));
      for (var i = 0; i < pages.length; i++) {
        pages[i].hidden = !showAll && i !== current;
      }
      previous.disabled = showAll || current === 0;
      next.disabled = showAll || current === pages.length - 1;
      all.textContent = showAll ? 'Show pages' : 'Show all';
      status.textContent = showAll
        ? 'All ' + pages.length + ' pages'
        : 'Page ' + (current + 1) + ' of ' + pages.length;
    }
    var wrap = table.parentNode;
    wrap.parentNode.insertBefore(nav, wrap);
    var notes = wrap.parentNode.querySelectorAll('.nojs-note');
    Array.prototype.forEach.call(notes, function (n) { n.hidden = true; });
    show(0);
  });

  // Long paths scroll inside their frame: start each frame scrolled to its violating state.
  var frames = document.querySelectorAll('.path-wrap');
  Array.prototype.forEach.call(frames, function (frame) {
    var bad = frame.querySelector('[data-marked]');
    if (!bad) { return; }
    var f = frame.getBoundingClientRect();
    var b = bad.getBoundingClientRect();
    if (b.bottom > f.bottom || b.top < f.top) {
      frame.scrollTop += b.top - f.top - frame.clientHeight / 2;
    }
  });
})();
