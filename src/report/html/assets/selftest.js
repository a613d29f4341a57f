// Self-test hook for the headless-browser test; does nothing unless the address carries
// "selftest" (?selftest or #selftest). It records uncaught errors and console.error calls,
// and after load writes, on every [data-marked] element, whether it is laid out and visible
// (`yes`: a non-empty box starting inside the document and overlapping every scrolling frame
// around it;
// otherwise why not).
(function () {
  'use strict';
  if ((location.search + location.hash).indexOf('selftest') < 0) { return; }
  var root = document.documentElement;
  var errors = [];
  function note(message) {
    errors.push(String(message));
    root.setAttribute('data-errors', errors.join(' | '));
  }
  window.addEventListener('error', function (e) { note('uncaught: ' + e.message); });
  window.addEventListener('unhandledrejection', function (e) { note('rejection: ' + e.reason); });
  var consoleError = console.error;
  console.error = function () {
    note('console.error: ' + Array.prototype.join.call(arguments, ' '));
    return consoleError.apply(console, arguments);
  };
  function visible(el) {
    var r = el.getBoundingClientRect();
    if (!(r.width > 0 && r.height > 0)) { return 'empty box'; }
    var left = r.left + window.scrollX;
    var top = r.top + window.scrollY;
    // Wide rows may run past the right edge inside a frame that scrolls sideways: the box
    // must start inside the document and overlap every frame around it.
    if (left < 0 || top < 0 || left >= root.scrollWidth || top >= root.scrollHeight) {
      return 'outside the document ' + root.scrollWidth + 'x' + root.scrollHeight;
    }
    for (var p = el.parentElement; p && p !== root; p = p.parentElement) {
      var style = getComputedStyle(p);
      if (style.display === 'none' || style.visibility === 'hidden') { return 'hidden'; }
      if (style.overflowX !== 'visible' || style.overflowY !== 'visible') {
        var f = p.getBoundingClientRect();
        if (r.right <= f.left || r.left >= f.right || r.bottom <= f.top || r.top >= f.bottom) {
          return 'clipped by ' + p.tagName + '.' + p.getAttribute('class');
        }
      }
    }
    return 'yes';
  }
  window.addEventListener('load', function () {
    var marked = document.querySelectorAll('[data-marked]');
    Array.prototype.forEach.call(marked, function (el) {
      var r = el.getBoundingClientRect();
      el.setAttribute('data-box', [r.left, r.top, r.width, r.height].map(Math.round).join(' '));
      el.setAttribute('data-visible', visible(el));
    });
    root.setAttribute('data-selftest', errors.length ? 'errors' : 'ok');
  });
})();
