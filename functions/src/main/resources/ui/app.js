// The status page: polls /api/ui/data (the session cookie goes along; this script never holds a key) and redraws
// in place. Each section is rebuilt as one HTML string and written only when it changed, so an idle cluster costs
// no DOM work and keyboard focus stays where it was.
(function () {
  'use strict';
  var POLL_MS = 1000;   // the data is at most 2 s old on the server; polling every second keeps a change under 3 s
  var PALETTE = 24;     // service colours: style.css defines .svc-0 ... .svc-23
  // Past this many placed tasks, task boxes drop their names (kept in the legend, tooltip and label): a thousand
  // labels cost the browser more to lay out and paint than everything else on the page.
  var LABELLED_TASKS = 300;
  var last = {};        // section id -> the HTML last written
  var lastData = null;
  var timer = null;
  var eventsTimer = null;
  var failingSince = null;
  var stopped = false;

  function esc(value) {
    return String(value == null ? '' : value).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }

  // Services in name order take colours 0, 1, 2, ...: style.css orders its 24 hues so that neighbours differ most,
  // so a handful of services never look alike (a new service may shift the colours of those after it).
  var colours = {};
  function assignColours(services) {
    colours = {};
    services.map(function (s) { return s.name; }).sort().forEach(function (name, index) {
      colours[name] = 'svc-' + (index % PALETTE);
    });
  }
  function colour(name) {
    return colours[name] || 'svc-0';
  }

  function cpus(nano) { return (nano / 1e9).toFixed(nano % 1e9 === 0 ? 0 : 1); }
  function gib(bytes) { return (bytes / 1073741824).toFixed(1); }
  function share(part, whole) { return whole > 0 ? Math.min(1, part / whole) : 0; }
  function ago(iso, now) {
    if (!iso) { return ''; }
    var s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
    return s < 90 ? s + ' s ago' : s < 5400 ? Math.round(s / 60) + ' min ago' : Math.round(s / 3600) + ' h ago';
  }

  // A share as a bar in tenths (classes, not inline styles: the page's CSP allows no inline style).
  function bar(fraction) {
    var tenths = Math.round(fraction * 10);
    return ' <span class="bar' + (fraction > 0.85 ? ' high' : '') + '" role="img" aria-label="'
      + Math.round(fraction * 100) + ' percent reserved"><span class="fill w' + tenths + '"></span></span>';
  }

  // Task states: running, starting (on its way), ended, failed. The mark is in the box and in its label.
  function stateClass(state) {
    switch (state) {
      case 'running': return ['st-running', '●'];
      case 'failed': case 'rejected': return ['st-failed', '✕'];
      case 'shutdown': case 'complete': case 'remove': case 'orphaned': return ['st-ended', '○'];
      default: return ['st-starting', '◌'];
    }
  }

  function write(id, html) {
    if (last[id] === html) { return; }
    var element = document.getElementById(id);
    var focused = document.activeElement && element.contains(document.activeElement)
      ? document.activeElement.getAttribute('data-key') : null;
    element.innerHTML = html;
    last[id] = html;
    if (focused) {
      var again = element.querySelector('[data-key="' + CSS.escape(focused) + '"]');
      if (again) { again.focus(); }
    }
  }

  // Node columns are kept by node id from one poll to the next: a column is touched only where its node changed,
  // so focus stays on it and columns off screen (content-visibility: auto) are not laid out again.
  var columnElements = {};   // node id -> its <article>
  var columnHtml = {};       // node id -> the inner HTML last written
  function writeColumns(container, columns) {
    var wanted = {};
    var previous = null;
    columns.forEach(function (column) {
      wanted[column.key] = true;
      var element = columnElements[column.key];
      if (!element) {
        element = document.createElement('article');
        element.tabIndex = 0;
        element.setAttribute('data-key', column.key);
        element.setAttribute('data-hostname', column.hostname);
        columnElements[column.key] = element;
      }
      if (element.className !== column.className) { element.className = column.className; }
      if (element.getAttribute('aria-label') !== column.label) { element.setAttribute('aria-label', column.label); }
      if (columnHtml[column.key] !== column.html) {
        element.innerHTML = column.html;
        columnHtml[column.key] = column.html;
      }
      var expected = previous ? previous.nextSibling : container.firstChild;
      if (expected !== element) { container.insertBefore(element, expected); }
      previous = element;
    });
    Object.keys(columnElements).forEach(function (key) {
      if (!wanted[key]) {
        columnElements[key].remove();
        delete columnElements[key];
        delete columnHtml[key];
      }
    });
    var empty = container.querySelector('.empty');
    if (columns.length === 0 && !empty) {
      container.insertAdjacentHTML('beforeend', '<p class="empty">No node matches.</p>');
    } else if (columns.length > 0 && empty) {
      empty.remove();
    }
  }

  // "pool:NAME" shows that pool's nodes only; other text matches a node's host name, pool or services.
  function matches(filter, node, serviceNames) {
    if (!filter) return true;
    var pool = (node.pool || '').toLowerCase();
    if (filter.indexOf('pool:') === 0) return pool === filter.slice(5).trim();
    return node.hostname.toLowerCase().indexOf(filter) >= 0 || (pool && pool.indexOf(filter) >= 0)
      || serviceNames.some(function (n) { return n.toLowerCase().indexOf(filter) >= 0; });
  }

  // The pools side by side: bounds, agents with nodes out of instances, and a link that filters the nodes to each.
  function pools(list) {
    if (!list || !list.length) return '';
    return '<h3>Pools</h3><table class="pools"><thead><tr><th>pool</th><th>scale set</th><th>priority</th><th>SKU</th>'
      + '<th>agents / instances</th><th>capacity (min–max)</th><th>scale-in</th><th>labels</th></tr></thead><tbody>'
      + list.map(function (p) {
        var labels = Object.keys(p.labels || {}).sort().map(function (k) { return esc(k + '=' + p.labels[k]); });
        return '<tr><td><button type="button" class="pool-filter" data-pool="' + esc(p.name) + '">' + esc(p.name)
          + '</button></td><td>' + esc(p.scaleSet) + '</td><td>' + esc(p.priority) + '</td><td>' + esc(p.sku)
          + '</td><td>' + esc(p.nodes) + ' / ' + esc(p.instances) + '</td><td>' + esc(p.capacity) + ' (' + esc(p.min)
          + '–' + esc(p.max) + ')</td><td>' + esc(p.scaleIn) + '</td><td>' + (labels.join(', ') || '—') + '</td></tr>';
      }).join('') + '</tbody></table>';
  }

  function filterText() {
    var input = document.getElementById('filter');
    return input ? input.value.trim().toLowerCase() : '';
  }

  function render(data) {
    var now = Date.now();
    var names = {};
    (data.services || []).forEach(function (s) { names[s.id] = s.name; });
    assignColours(data.services || []);
    var nameOf = function (id) { return names[id] || String(id).slice(0, 12); };
    var filter = filterText();
    var drainsByNode = {};
    (data.drainsInFlight || []).forEach(function (d) { drainsByNode[d.node.toLowerCase()] = d; });

    // Nodes as columns.
    var placed = 0;
    (data.nodes || []).forEach(function (node) {
      placed += ((data.tasksByNode && data.tasksByNode[node.id]) || []).length;
    });
    var compact = placed > LABELLED_TASKS;
    var columns = [];
    var seenServices = {};
    var tasksShown = 0;
    (data.nodes || []).forEach(function (node) {
      var tasks = (data.tasksByNode && data.tasksByNode[node.id]) || [];
      var serviceNames = tasks.map(function (t) { return nameOf(t.serviceId); });
      if (!matches(filter, node, serviceNames)) {
        return;
      }
      var cpu = share(node.reserved.nanoCpus, node.capacity.nanoCpus);
      var mem = share(node.reserved.memoryBytes, node.capacity.memoryBytes);
      var drain = drainsByNode[node.hostname.toLowerCase()];
      var boxes = [];
      for (var i = 0; i < tasks.length; i++) {
        var t = tasks[i];
        var name = serviceNames[i];
        var st = stateClass(t.state);
        seenServices[name] = true;
        var label = esc(name + ' · ' + t.state);
        boxes.push('<li class="task ' + colour(name) + ' ' + st[0] + '" title="' + label + '" aria-label="' + label
          + '">' + (compact ? '' : st[1] + ' ' + esc(name)) + '</li>');
      }
      tasksShown += tasks.length;
      columns.push({
        key: node.id,
        hostname: node.hostname,
        className: 'node av-' + node.availability + ' ns-' + node.state,
        label: node.hostname + ', ' + node.role + ', ' + node.state + ', ' + node.availability + ', '
          + tasks.length + ' tasks',
        html: '<h3>' + esc(node.hostname) + '</h3>'
          + '<p class="badges"><span class="badge role">' + esc(node.role) + '</span>'
          + '<span class="badge state-' + esc(node.state) + '">' + esc(node.state) + '</span>'
          + '<span class="badge avail-' + esc(node.availability) + '">' + esc(node.availability) + '</span>'
          + (node.pool ? '<span class="badge pool">pool ' + esc(node.pool) + '</span>' : '') + '</p>'
          + '<p class="res">CPU ' + cpus(node.reserved.nanoCpus) + '/' + cpus(node.capacity.nanoCpus) + bar(cpu) + '</p>'
          + '<p class="res">Mem ' + gib(node.reserved.memoryBytes) + '/' + gib(node.capacity.memoryBytes) + ' GiB'
          + bar(mem) + '</p>'
          + (drain ? '<p class="draining">draining: ' + esc(drain.state) + ', ' + drain.tasksRemaining + ' left</p>' : '')
          + '<ul class="tasks">' + boxes.join('') + '</ul>'
      });
    });
    var nodesElement = document.getElementById('nodes');
    if (nodesElement.classList.contains('compact') !== compact) { nodesElement.classList.toggle('compact', compact); }
    writeColumns(nodesElement, columns);

    var legend = Object.keys(seenServices).sort().map(function (n) {
      return '<span class="task ' + colour(n) + ' st-running">' + esc(n) + '</span>';
    });
    write('legend', legend.join('') + '<span class="states">● running ◌ starting ○ ended ✕ failed</span>');

    // Agents per availability zone, which a scale-in keeps level; nothing in a region without zones.
    function zones(perZone) {
      var names = Object.keys(perZone || {});
      if (!names.length) return '';
      return '<dt>Agents per zone</dt><dd>' + names.map(function (z) {
        return 'zone ' + esc(z) + ': ' + esc(perZone[z]);
      }).join(', ') + '</dd>';
    }

    // The scale set, its capacity and operations in flight.
    var set = data.scaleSet || {};
    var ops = (data.operationsUnderWay || []).map(function (o) {
      return '<li>' + esc(o.operation) + ' <time>' + esc(ago(o.startedAt, now)) + '</time></li>';
    });
    var auto = data.automaticActions || {};
    write('scaleset', '<dl class="facts"><dt>Name</dt><dd>' + esc(set.name) + '</dd><dt>Capacity</dt><dd>'
      + esc(set.capacity) + '</dd><dt>SKU</dt><dd>' + esc(set.sku) + '</dd><dt>State</dt><dd>'
      + esc(set.provisioningState) + '</dd><dt>Instances</dt><dd>' + (data.instances || []).length + '</dd>'
      + zones(set.agentsPerZone)
      + '<dt>Warm</dt><dd>' + esc(set.warmInstances || 0) + ' deallocated, started first on scale-out</dd>'
      + '<dt>Automatic actions</dt><dd>' + (auto.paused ? '<strong class="warn">paused</strong>'
        + (auto.reason ? ': ' + esc(auto.reason) : '') : 'on') + '</dd></dl>'
      + pools(data.pools)
      + (ops.length ? '<h3>Operations in flight</h3><ul>' + ops.join('') + '</ul>' : '<p class="empty">No operation in flight.</p>'));

    // Drains in flight, with their progress: tasks still to move and time used of the deadline.
    var drains = (data.drainsInFlight || []).map(function (d) {
      var start = Date.parse(d.requestedAt), end = Date.parse(d.deadline);
      var used = end > start ? share(now - start, end - start) : 0;
      return '<tr data-key="drain-' + esc(d.requestId) + '"><th scope="row">' + esc(d.node) + '</th><td>' + esc(d.state)
        + '</td><td>' + esc(d.reason) + (d.deleteInstance ? ', deletes VM' : '') + '</td><td>' + d.tasksRemaining
        + ' tasks left, ' + d.replacementsPending + ' replacements pending</td><td><progress max="1" value="'
        + used.toFixed(3) + '" aria-label="share of the deadline used"></progress> ' + esc(ago(d.requestedAt, now))
        + '</td></tr>';
    });
    write('drains', drains.length ? '<table><thead><tr><th>node</th><th>state</th><th>reason</th><th>progress</th>'
      + '<th>deadline used</th></tr></thead><tbody>' + drains.join('') + '</tbody></table>'
      : '<p class="empty">No drain in flight.</p>');

    // The rolling upgrade, pool after pool, instance by instance.
    var upgrade = data.upgrade || { state: 'none' };
    var steps = (upgrade.instances || []).map(function (i) {
      return '<tr data-key="upgrade-' + esc(i.instanceId) + '"><th scope="row">' + esc(i.computerName || i.instanceId)
        + '</th><td>' + esc(i.pool || '') + '</td><td>' + esc(i.method) + (i.surged ? ', surged' : '') + '</td><td>'
        + esc(i.phase) + '</td><td>' + (i.phaseSince ? esc(ago(i.phaseSince, now)) : '—') + '</td><td>'
        + esc(i.outcome || '') + '</td></tr>';
    });
    var upgradePools = (upgrade.pools || []).map(function (p) {
      return (p.name === upgrade.pool && upgrade.state !== 'done' ? '<strong>' + esc(p.name) + '</strong>' : esc(p.name))
        + ' ' + esc(p.done) + '/' + esc(p.total);
    });
    write('upgrade', upgrade.state === 'none' ? '<p class="empty">No rolling upgrade.</p>'
      : '<p>' + (upgrade.state === 'paused' ? '<strong class="warn">paused</strong>' + (upgrade.pausedBecause
        ? ': ' + esc(upgrade.pausedBecause) : '') : esc(upgrade.state)) + ', ' + esc(upgrade.done) + ' of '
        + esc(upgrade.total) + ' done' + (upgradePools.length ? '; pools ' + upgradePools.join(', ') : '') + '</p>'
        + (steps.length ? '<table><thead><tr><th>instance</th><th>pool</th><th>how</th>'
        + '<th>phase</th><th>since</th><th>outcome</th></tr></thead><tbody>' + steps.join('') + '</tbody></table>' : ''));

    // Pending tasks and why: swarm's own message.
    var pending = (data.pendingTasks || []).map(function (t) {
      return '<tr><th scope="row"><span class="task ' + colour(nameOf(t.serviceId)) + ' st-starting">'
        + esc(nameOf(t.serviceId)) + '</span></th><td>' + esc(t.state) + '</td><td>' + esc(t.message || '—')
        + '</td><td>' + cpus(t.reservations.nanoCpus) + ' CPU, ' + gib(t.reservations.memoryBytes) + ' GiB</td></tr>';
    });
    write('pending', pending.length ? '<table><thead><tr><th>service</th><th>state</th><th>why</th><th>reserves</th>'
      + '</tr></thead><tbody>' + pending.join('') + '</tbody></table>' : '<p class="empty">No pending task.</p>');

    // Instances without nodes, with their power state.
    var nodeless = (data.instances || []).filter(function (i) { return !i.nodeId; }).map(function (i) {
      return '<tr><th scope="row">' + esc(i.computerName || i.instanceId) + '</th><td>' + esc(i.instanceId)
        + '</td><td>' + esc(i.powerState) + '</td><td>' + esc(i.provisioningState)
        + (i.protectedFromScaleIn ? ', protected' : '') + '</td></tr>';
    });
    write('nodeless', nodeless.length ? '<table><thead><tr><th>computer name</th><th>instance</th><th>power</th>'
      + '<th>provisioning</th></tr></thead><tbody>' + nodeless.join('') + '</tbody></table>'
      : '<p class="empty">Every instance has its node.</p>');

    // The latest decisions, newest first, with their reasons.
    var decisions = (data.recentDecisions || []).slice().reverse().slice(0, 20).map(function (d) {
      return '<li><time datetime="' + esc(d.at) + '">' + esc(ago(d.at, now)) + '</time> <strong>' + esc(d.action)
        + '</strong>' + (d.dryRun ? ' (dry run)' : '') + ': ' + esc(d.reason) + '</li>';
    });
    write('decisions', decisions.length ? '<ol class="decisions">' + decisions.join('') + '</ol>'
      : '<p class="empty">No decision yet.</p>');

    var nodes = data.nodes || [];
    var ready = nodes.filter(function (n) { return n.state === 'ready'; }).length;
    write('summary', esc(nodes.length + ' nodes (' + ready + ' ready), ' + tasksShown + ' tasks placed, '
      + (data.pendingTasks || []).length + ' pending, ' + (data.drainsInFlight || []).length + ' draining'));
    write('freshness', failingSince ? '<span class="warn">No answer since ' + esc(new Date(failingSince)
      .toLocaleTimeString()) + '</span>' : 'Snapshot taken ' + esc(ago(data.takenAt, now)));
  }

  function poll() {
    if (stopped) { return; }
    var started = Date.now();
    fetch('/api/ui/data', {cache: 'no-store', credentials: 'same-origin', headers: {Accept: 'application/json'}})
      .then(function (response) {
        if (response.status === 401) {
          // The session ended: loading the page again lets the server send the browser to sign in.
          location.reload();
          throw new Error('signed out');
        }
        if (!response.ok) { throw new Error('HTTP ' + response.status); }
        return response.text();
      })
      .then(function (text) {
        failingSince = null;
        lastData = JSON.parse(text);
        render(lastData);
      })
      .catch(function () {
        failingSince = failingSince || started;
        if (lastData) { render(lastData); }
      })
      .then(function () {
        // A fixed cadence, counted from this poll's start.
        if (!stopped) { timer = setTimeout(poll, Math.max(0, POLL_MS - (Date.now() - started))); }
      });
  }

  // The audit trail's newest events, every 5 s: each decision and action with its reason, and refused callers.
  var EVENTS_MS = 5000;
  function pollEvents() {
    fetch('/api/ui/events', {cache: 'no-store', credentials: 'same-origin', headers: {Accept: 'application/json'}})
      .then(function (response) {
        if (response.status === 401) { window.location.assign('/api/ui/'); return null; }
        return response.ok ? response.json() : null;
      })
      .then(function (body) {
        if (!body) { return; }
        var now = Date.now();
        var items = (body.events || []).map(function (e) {
          var details = Object.keys(e.details || {}).map(function (k) { return esc(k) + '=' + esc(e.details[k]); });
          return '<li><time datetime="' + esc(e.at) + '">' + esc(ago(e.at, now)) + '</time> <strong>' + esc(e.kind)
            + '</strong> ' + esc(e.subject) + ': ' + esc(e.reason)
            + (details.length ? ' <span class="details">(' + details.join(', ') + ')</span>' : '') + '</li>';
        });
        write('events', items.length ? '<ol class="decisions">' + items.join('') + '</ol>'
          : '<p class="empty">No event in the last 10 minutes.</p>');
      })
      .catch(function () { /* the next poll tries again */ })
      .then(function () { if (!stopped) { eventsTimer = setTimeout(pollEvents, EVENTS_MS); } });
  }

  function moveBetweenNodes(event) {
    var node = event.target.closest && event.target.closest('.node');
    if (!node) { return; }
    var next = null;
    if (event.key === 'ArrowRight') { next = node.nextElementSibling; }
    if (event.key === 'ArrowLeft') { next = node.previousElementSibling; }
    if (event.key === 'Home') { next = node.parentElement.firstElementChild; }
    if (event.key === 'End') { next = node.parentElement.lastElementChild; }
    if (next) { next.focus(); event.preventDefault(); }
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.getElementById('nodes').addEventListener('keydown', moveBetweenNodes);
    var filter = document.getElementById('filter');
    filter.addEventListener('input', function () { if (lastData) { render(lastData); } });
    // A pool's name in the pools table filters the nodes to that pool (a delegated listener: the table is redrawn).
    document.getElementById('scaleset').addEventListener('click', function (event) {
      var button = event.target.closest('.pool-filter');
      if (!button) return;
      filter.value = 'pool:' + button.getAttribute('data-pool');
      if (lastData) { render(lastData); }
    });
    document.addEventListener('keydown', function (event) {
      if (event.key === '/' && document.activeElement !== filter) { filter.focus(); event.preventDefault(); }
      if (event.key === 'Escape' && document.activeElement === filter) { filter.value = ''; render(lastData || {}); }
    });
    poll();
    pollEvents();
  });

  // For the render benchmark: draw given data (as the JSON text a poll receives), every column's content written
  // anew, and stop polling.
  window.harbormaster = {
    render: function (text) { last = {}; columnHtml = {}; lastData = JSON.parse(text); render(lastData); },
    // The same from a blank page: every column made anew, as on the first poll after loading.
    renderAfresh: function (text) {
      last = {}; columnHtml = {}; columnElements = {};
      document.getElementById('nodes').textContent = '';
      lastData = JSON.parse(text); render(lastData);
    },
    stop: function () { stopped = true; clearTimeout(timer); clearTimeout(eventsTimer); }
  };
})();
