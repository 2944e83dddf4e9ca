/* Injected by tests/trial.sh into a copy of a report laid out 420 px wide (a
 * phone): lists the elements that reach past the right edge, except inside a
 * box that scrolls or clips horizontally, in <pre id="overflow">. */
addEventListener('load', function () {
  var w = 420, bad = [];
  function scrolls(e) {
    for (var a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      var o = getComputedStyle(a).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
    }
    return false;
  }
  document.querySelectorAll('body *').forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.width > 0 && r.right > w + 1 && !scrolls(e))
      bad.push(e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + '(' + Math.round(r.right) + ')');
  });
  var p = document.createElement('pre');
  p.id = 'overflow';
  p.textContent = 'width ' + w + ' scroll ' + document.documentElement.scrollWidth + ': ' + (bad.length ? bad.slice(0, 12).join(' ') : 'none');
  document.body.appendChild(p);
});
