// batch-job-controller dashboard: refreshes a running execution's progress from the status API.
// Pages are complete without this script; it only keeps [data-live] rows and summaries current.
(function () {
  'use strict';
  var ORDER = ['SUCCEEDED', 'FAILED', 'NO_REPORT', 'TIMED_OUT', 'REPLACED', 'RETRYING', 'RUNNING', 'PENDING', 'SKIPPED'];
  var LABELS = { SUCCEEDED: 'succeeded', FAILED: 'failed', NO_REPORT: 'no report', TIMED_OUT: 'timed out', REPLACED: 'replaced',
    RETRYING: 'retrying', RUNNING: 'running', PENDING: 'pending', SKIPPED: 'skipped' };

  function text(counts) {
    var parts = [];
    ORDER.forEach(function (o) { if (counts[o] > 0) { parts.push(counts[o] + ' ' + LABELS[o]); } });
    return parts.length ? parts.join(' \u00b7 ') : 'no jobs';
  }

  function elapsed(start, end) {
    var ms = (end ? Date.parse(end) : Date.now()) - Date.parse(start);
    if (ms < 1000) { return ms + ' ms'; }
    var s = Math.floor(ms / 1000);
    if (s < 60) { return s + 's'; }
    if (s < 3600) { return Math.floor(s / 60) + 'm ' + (s % 60) + 's'; }
    return Math.floor(s / 3600) + 'h ' + Math.floor(s % 3600 / 60) + 'm';
  }

  function redrawBar(svg, counts) {
    if (!svg) { return; }
    var total = 0;
    ORDER.forEach(function (o) { total += counts[o] || 0; });
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    var x = 0;
    ORDER.forEach(function (o) {
      var n = counts[o] || 0;
      if (n > 0 && total > 0) {
        var rect = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
        var w = 100 * n / total;
        rect.setAttribute('class', 'o-' + o.toLowerCase());
        rect.setAttribute('data-outcome', o);
        rect.setAttribute('x', x.toFixed(2));
        rect.setAttribute('y', '0');
        rect.setAttribute('width', w.toFixed(2));
        rect.setAttribute('height', '10');
        svg.appendChild(rect);
        x += w;
      }
    });
    svg.setAttribute('aria-label', text(counts));
  }

  function update(el, data) {
    var counts = data.counts || {};
    var total = 0;
    Object.keys(counts).forEach(function (k) { if (k !== 'SKIPPED') { total += counts[k]; } });
    var running = counts.RUNNING || 0;
    var ended = total - running - (counts.PENDING || 0) - (counts.RETRYING || 0);
    var scope = el.closest('tr') ? el : document;
    var state = scope.querySelector('.state');
    if (state) {
      state.textContent = data.state === 'RUNNING' ? 'running: ' + ended + '/' + total + ' ended, ' + running + ' running now'
        : data.state.toLowerCase();
    }
    var time = scope.querySelector('.elapsed');
    if (time) { time.textContent = elapsed(data.startedAt, data.endedAt); }
    var countText = scope.querySelector('.counts');
    if (countText) { countText.textContent = text(counts); }
    redrawBar(scope.querySelector('svg.bar'), counts);
    return data.state === 'RUNNING';
  }

  function poll(el) {
    var url = el.getAttribute('data-live');
    fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && update(el, data)) {
          setTimeout(function () { poll(el); }, 2000);
        } else if (data) {
          el.removeAttribute('data-live');
        }
      })
      .catch(function () { setTimeout(function () { poll(el); }, 5000); });
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.documentElement.setAttribute('data-dashboard', 'live');
    Array.prototype.forEach.call(document.querySelectorAll('[data-live]'), function (el) { poll(el); });
  });
}());
