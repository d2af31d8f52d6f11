// kefu — the agent's live-chat console (workbench/chat/console.html). One websocket (ws/agent/chat/, the
// protocol at the top of kefu/chat/consumers.py) carries presence, chats, messages and the line; HTTP carries
// images, the ticket from a chat, the colleagues to transfer to, a supervisor's overview and canned replies.
// Plain ES2017, no library. Every customer-written text goes into the page as text, never as HTML.
(function () {
  "use strict";

  var BACKOFF_MAX = 30000;       // ms between two reconnect attempts at most
  var REFUSED_AFTER = 6;         // connection attempts in a row that never opened: stop and say so
  var TYPING_SHOWN = 5000;       // ms the customer's typing indicator stays after their last signal
  var SEND_TIMEOUT = 10000;      // ms without the server's echo before a message counts as not sent
  var NOTICE_MS = 12000;         // ms a notice stays (new chats stay until opened)
  var OVERVIEW_EVERY = 10000;    // ms between two reads of the supervisor's overview
  var ACW_POLL = 5000;           // ms between two fresh "console" asks while wrap-up is overdue

  var root, cfg, S, el = {};
  var chats = new Map();         // number -> chat (see newChat)
  var order = [];                // the chat list's order (numbers)
  var current = null;            // the open chat's number
  var presence = {state: "offline", active_chats: 0, chat_capacity: 0, acw_until: null, skills: []};
  var line = {queues: [], waiting: [], receivedAt: Date.now()};
  var socket = null, opened = false, failures = 0, delay = 1000, pingTimer = null, retryTimer = null;
  var offlineArmedUntil = 0, acwAskedAt = 0, lastTypingSent = 0, seq = 0;
  var baseTitle = document.title;
  var timeFormat;

  // ---- small helpers ---------------------------------------------------------------------------------------

  function fmt(template, values) {
    return String(template).replace(/%\((\w+)\)s/g, function (_m, name) {
      return values && values[name] !== undefined && values[name] !== null ? String(values[name]) : "";
    });
  }

  function q(testid, scope) {
    return (scope || root).querySelector('[data-testid="' + testid + '"]');
  }

  function make(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        if (attrs[key] === null || attrs[key] === undefined || attrs[key] === false) return;
        if (key === "className") node.className = attrs[key];
        else node.setAttribute(key, attrs[key] === true ? "" : attrs[key]);
      });
    }
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function clientId() {
    seq += 1;
    return "cc-" + Date.now().toString(36) + "-" + seq + "-" + Math.random().toString(36).slice(2, 8);
  }

  function clock(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function shortTime(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return "";
    try { return timeFormat.format(d); } catch (e) { return d.toTimeString().slice(0, 5); }
  }

  function csrfToken() {
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) return headers["X-CSRFToken"];
    } catch (e) { /* fall through to the cookie */ }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function pattern(name, values) {
    var url = cfg.urls[name];
    Object.keys(values).forEach(function (key) {
      url = url.replace("{" + key + "}", encodeURIComponent(values[key]));
    });
    return url;
  }

  function errorText(code, message) {
    var known = code && S["error_" + code];
    return known || fmt(S.error, {message: message || code || ""});
  }

  function apiError(body, status) {
    var item = body && Array.isArray(body.detail) ? body.detail[0] : null;
    if (item) return errorText(item.type, item.msg);
    if (body && typeof body.detail === "string") return fmt(S.error, {message: body.detail});
    return fmt(S.error, {message: "HTTP " + status});
  }

  function request(method, url, body) {
    var init = {method: method, credentials: "same-origin", headers: {"Accept": "application/json"}};
    if (method !== "GET") init.headers["X-CSRFToken"] = csrfToken();
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (!response.ok) {
          var error = new Error(apiError(data, response.status));
          error.status = response.status;
          throw error;
        }
        return data;
      });
    }, function () { throw new Error(S.error_network); });
  }

  // ---- notices: visible banners and the screen reader's announcer ------------------------------------------

  function announce(text) {
    var box = q("announcer");
    box.textContent = "";
    window.setTimeout(function () { box.textContent = text; }, 50);
  }

  function notice(text, options) {
    options = options || {};
    var box = q("notices");
    if (options.key) {
      var old = box.querySelector('[data-key="' + options.key + '"]');
      if (old) old.remove();
    }
    var item = make("div", {className: "cc-notice cc-notice--" + (options.tone || "info"), "data-testid": "notice",
                            "data-key": options.key || null, "data-conversation": options.number || null});
    item.appendChild(make("span", {className: "cc-notice__text"}, text));
    if (options.number) {
      var open = make("button", {type: "button", className: "btn btn--small", "data-testid": "notice-open"},
                      S.open_chat);
      open.addEventListener("click", function () { select(options.number, {focus: true}); item.remove(); });
      item.appendChild(open);
    }
    var close = make("button", {type: "button", className: "cc-notice__close", "aria-label": S.close_chat}, "×");
    close.addEventListener("click", function () { item.remove(); });
    item.appendChild(close);
    box.appendChild(item);
    while (box.children.length > 4) box.removeChild(box.firstChild);
    if (!options.sticky) window.setTimeout(function () { item.remove(); }, NOTICE_MS);
    announce(text);
  }

  function dropNotices(number) {
    var box = q("notices");
    Array.prototype.forEach.call(box.querySelectorAll('[data-conversation="' + number + '"]'), function (n) {
      n.remove();
    });
  }

  function updateTitle() {
    var count = 0;
    chats.forEach(function (chat) { count += chat.unread + (chat.fresh ? 1 : 0); });
    document.title = count ? "(" + count + ") " + baseTitle : baseTitle;
  }

  // ---- the connection --------------------------------------------------------------------------------------

  function setConnection(state, text) {
    var status = q("console-status");
    status.setAttribute("data-state", state);
    status.textContent = text;
    root.setAttribute("data-connection", state);
    renderPresence();
  }

  function connected() {
    return socket !== null && socket.readyState === WebSocket.OPEN;
  }

  function send(frame) {
    if (!connected()) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  function connect() {
    window.clearTimeout(retryTimer);
    retryTimer = null;
    if (!("WebSocket" in window)) { setConnection("closed", S.refused); return; }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    opened = false;
    setConnection(failures ? "reconnecting" : "connecting", S.connecting);
    var ws = new WebSocket(scheme + window.location.host + cfg.ws_path);
    socket = ws;
    ws.onopen = function () {
      if (socket !== ws) return;
      var again = failures > 0 || root.getAttribute("data-ever-connected") === "true";
      opened = true;
      failures = 0;
      delay = 1000;
      root.setAttribute("data-ever-connected", "true");
      setConnection("connected", S.connected);
      window.clearInterval(pingTimer);
      pingTimer = window.setInterval(function () { send({type: "ping"}); }, cfg.ping_seconds * 1000);
      if (again) announce(S.reconnected);
    };
    ws.onmessage = function (event) {
      if (socket !== ws) return;
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame && typeof frame.type === "string") receive(frame);
    };
    ws.onclose = function () {
      if (socket !== ws) return;
      window.clearInterval(pingTimer);
      socket = null;
      failures = opened ? 1 : failures + 1;
      if (!opened && failures >= REFUSED_AFTER) {  // refused at the handshake (signed out?) or no server
        setConnection("closed", S.refused);
        return;
      }
      var wait = Math.min(delay, BACKOFF_MAX) * (0.8 + Math.random() * 0.4);
      delay = Math.min(delay * 2, BACKOFF_MAX);
      setConnection("reconnecting", fmt(S.reconnecting, {seconds: Math.ceil(wait / 1000)}));
      retryTimer = window.setTimeout(connect, wait);
    };
  }

  function reconnectNow() {
    if (socket === null && retryTimer !== null) { delay = 1000; connect(); }
  }

  // ---- frames from the server ------------------------------------------------------------------------------

  function receive(frame) {
    switch (frame.type) {
      case "hello": return onHello(frame);
      case "presence": return onPresence(frame);
      case "queue.summary": return onSummary(frame);
      case "assigned": return onAssigned(frame);
      case "message": return onMessage(frame.conversation, frame.message);
      case "typing": return onTyping(frame);
      case "read": return onRead(frame);
      case "transferred": return onTransferred(frame);
      case "ended": return onEnded(frame);
      case "ticket": return onTicket(frame);
      case "error": return onError(frame);
      default: return undefined;  // pong and anything newer
    }
  }

  function newChat(conversation) {
    return {conv: conversation, messages: [], pending: new Map(), unread: 0, fresh: false, lastRead: 0,
            typingUntil: 0, draft: "", note: ""};
  }

  function numberOf(value) {
    return value && typeof value === "object" ? value.number : value;
  }

  function upsert(conversation) {
    var chat = chats.get(conversation.number);
    if (!chat) {
      chat = newChat(Object.assign({}, conversation));
      chats.set(conversation.number, chat);
      order.push(conversation.number);
    } else {
      // An "ended" push carries the customer's view (no customer): keep what the agent's view had.
      var keep = chat.conv;
      chat.conv = Object.assign({}, keep, conversation);
      if (!conversation.customer && keep.customer) chat.conv.customer = keep.customer;
    }
    delete chat.conv.messages;  // the chat keeps its messages apart (chat.messages)
    return chat;
  }

  function isOwn(message) {
    return message.sender === "agent";
  }

  function setMessages(chat, messages) {
    chat.messages = (messages || []).slice().sort(function (a, b) { return a.id - b.id; });
    chat.unread = chat.messages.filter(function (m) {
      return m.sender === "customer" && !m.read_at;
    }).length;
    chat.messages.forEach(function (m) { if (m.client_id) chat.pending.delete(m.client_id); });
  }

  function onHello(frame) {
    Object.assign(presence, frame.presence || {});
    var seen = new Set();
    (frame.conversations || []).forEach(function (conversation) {
      var chat = upsert(conversation);
      setMessages(chat, conversation.messages);
      seen.add(conversation.number);
    });
    // A chat that is no longer ours (put back in the line while we were away) leaves the list; an ended one
    // stays until the agent closes it.
    order.slice().forEach(function (number) {
      var chat = chats.get(number);
      if (!seen.has(number) && chat.conv.status === "active") removeChat(number);
    });
    onSummary({queues: frame.queues || [], waiting: frame.waiting || []});
    renderPresence();
    renderList();
    if (current === null && order.length) select(order[0]);
    else { renderChat(true); markRead(); }
    updateTitle();
    resendPending();
  }

  function onPresence(frame) {
    var was = presence.state;
    Object.assign(presence, {state: frame.state, since: frame.since, active_chats: frame.active_chats,
                             chat_capacity: frame.chat_capacity, acw_until: frame.acw_until});
    acwAskedAt = 0;
    renderPresence();
    if (was !== presence.state) announce(fmt(S.presence_now, {state: cfg.presence[presence.state] || presence.state}));
  }

  function onSummary(frame) {
    line = {queues: frame.queues || [], waiting: frame.waiting || [], receivedAt: Date.now()};
    renderLine();
  }

  function onAssigned(frame) {
    var conversation = frame.conversation;
    var chat = upsert(conversation);
    setMessages(chat, conversation.messages);
    chat.fresh = true;
    chat.note = frame.note || "";
    var name = conversation.customer ? conversation.customer.name : conversation.number;
    var text = fmt(frame.reason === "transfer" ? S.new_chat_transfer : S.new_chat, {customer: name});
    if (frame.note) text += " — " + frame.note;
    notice(text, {tone: "new", number: conversation.number, key: "new-" + conversation.number, sticky: true});
    renderList();
    if (current === null) select(conversation.number, {auto: true});  // nothing open: show it; the focus stays
    else if (current === conversation.number) renderChat(true);
    updateTitle();
  }

  function onMessage(number, message) {
    number = numberOf(number);
    var chat = chats.get(number);
    if (!chat || !message) return;
    if (chat.messages.some(function (m) { return m.id === message.id; })) return;
    if (message.client_id && chat.pending.has(message.client_id)) {
      var pending = chat.pending.get(message.client_id);
      window.clearTimeout(pending.timer);
      if (pending.preview) URL.revokeObjectURL(pending.preview);
      chat.pending.delete(message.client_id);
    }
    chat.messages.push(message);
    chat.messages.sort(function (a, b) { return a.id - b.id; });
    if (message.sender === "customer") chat.typingUntil = 0;
    var visible = number === current && document.visibilityState === "visible";
    if (message.sender === "customer" && !visible) {
      chat.unread += 1;
      var who = chat.conv.customer ? chat.conv.customer.name : number;
      if (number !== current) announce(fmt(S.new_message, {customer: who}));
    }
    if (number === current) {
      placeMessage(chat, message);
      renderTyping();
      markRead();
    }
    renderList();
    updateTitle();
  }

  function onTyping(frame) {
    var chat = chats.get(numberOf(frame.conversation));
    if (!chat || frame.from !== "customer") return;
    chat.typingUntil = Date.now() + TYPING_SHOWN;
    if (numberOf(frame.conversation) === current) renderTyping();
  }

  function onRead(frame) {
    var chat = chats.get(numberOf(frame.conversation));
    if (!chat || frame.reader !== "customer") return;
    chat.messages.forEach(function (m) {
      if (isOwn(m) && m.id <= frame.up_to && !m.read_at) {
        m.read_at = frame.at || new Date().toISOString();
        if (numberOf(frame.conversation) === current) placeMessage(chat, m);
      }
    });
  }

  function onTransferred(frame) {
    var number = numberOf(frame.conversation);
    if (!chats.has(number)) return;
    closeDialog("transfer-dialog");
    var text = frame.to === "agent" ? fmt(S.left_to_agent, {number: number, agent: frame.agent || ""})
      : fmt(S.left_to_queue, {number: number});
    removeChat(number);
    notice(text, {tone: "info"});
  }

  function onEnded(frame) {
    var number = numberOf(frame.conversation);
    var chat = chats.get(number);
    if (!chat) return;
    if (typeof frame.conversation === "object") upsert(frame.conversation);
    chat.conv.status = "ended";
    chat.typingUntil = 0;
    if (frame.message) onMessage(number, frame.message);
    closeDialog("end-dialog");
    var name = chat.conv.customer ? chat.conv.customer.name : number;
    notice(frame.by === "customer" ? fmt(S.ended_by_customer, {customer: name}) : fmt(S.ended_notice, {number: number}),
           {tone: "info", key: "ended-" + number});
    renderList();
    if (number === current) renderChat(false);
  }

  function onTicket(frame) {
    var number = numberOf(frame.conversation);
    var chat = chats.get(number);
    if (!chat) return;
    chat.conv.ticket = frame.ticket;
    if (frame.message) onMessage(number, frame.message);
    if (number === current) renderHead();
  }

  function onError(frame) {
    var ref = frame.ref, text = errorText(frame.code, frame.message);
    if (typeof ref === "string" && ref.indexOf("transfer:") === 0) return showError("transfer-error", text);
    if (typeof ref === "string" && ref.indexOf("end:") === 0) return showError("end-error", text);
    if (typeof ref === "string" && ref.indexOf("presence:") === 0) return notice(text, {tone: "error"});
    if (typeof ref === "string") {
      var found = false;
      chats.forEach(function (chat, number) {
        var pending = chat.pending.get(ref);
        if (!pending) return;
        found = true;
        window.clearTimeout(pending.timer);
        pending.status = "failed";
        if (number === current) placePending(chat, pending);
      });
      if (found) return showError("reply-error", text);
    }
    if (frame.code === "unknown_type" || ref === "typing" || ref === "read") return undefined;  // nothing to tell
    return showError("reply-error", text);
  }

  function showError(testid, text) {
    var box = q(testid);
    box.textContent = text;
  }

  // ---- presence ---------------------------------------------------------------------------------------------

  function renderPresence() {
    var state = presence.state || "offline";
    var shown = q("presence-state");
    shown.setAttribute("data-state", state);
    shown.textContent = cfg.presence[state] || state;
    q("presence-load").textContent = state === "offline" ? "" :
      fmt(S.load, {active: presence.active_chats || 0, capacity: presence.chat_capacity || 0});
    var live = connected();
    ["available", "away", "offline"].forEach(function (target) {
      var button = q("presence-" + target);
      var pressed = target === state || (target === "available" && state === "busy");
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
      button.disabled = !live;
    });
    renderAcw();
  }

  function renderAcw() {
    var box = q("acw");
    var inAcw = presence.state === "acw" && presence.acw_until;
    box.hidden = !inAcw;
    if (!inAcw) return;
    var left = (new Date(presence.acw_until).getTime() - Date.now()) / 1000;
    q("acw-countdown").textContent = fmt(S.acw_left, {seconds: Math.max(0, Math.ceil(left))});
    q("acw-countdown").setAttribute("data-seconds", String(Math.max(0, Math.ceil(left))));
    // The server ends an overdue wrap-up on its own clock but does not say so: ask for a fresh state.
    if (left < -1 && Date.now() - acwAskedAt > ACW_POLL && connected()) {
      acwAskedAt = Date.now();
      send({type: "console"});
    }
  }

  function choosePresence(target) {
    if (target === "offline" && presence.state !== "offline" && (presence.active_chats || 0) > 0 &&
        Date.now() > offlineArmedUntil) {
      offlineArmedUntil = Date.now() + 6000;
      notice(fmt(S.confirm_offline, {count: presence.active_chats}), {tone: "warn", key: "offline"});
      return;
    }
    offlineArmedUntil = 0;
    send({type: "presence", state: target, ref: "presence:" + target});
  }

  // ---- the line ---------------------------------------------------------------------------------------------

  function mySkills() {
    var skills = (presence.skills || []).filter(function (s) { return cfg.skills[s]; });
    return cfg.supervisor || !skills.length ? null : new Set(skills);
  }

  function renderLine() {
    var skills = mySkills();
    var box = q("queues");
    box.textContent = "";
    line.queues.forEach(function (queue) {
      if (skills && !skills.has(queue.skill)) return;
      var card = make("div", {className: "cc-queue" + (queue.waiting ? " cc-queue--busy" : ""),
                              "data-testid": "queue", "data-queue": queue.skill, "data-waiting": queue.waiting});
      var title = fmt(S.queue_label, {skill: cfg.skills[queue.skill] || queue.skill});
      card.appendChild(make("h3", {className: "cc-queue__name"}, title));
      var facts = make("dl", {className: "cc-queue__facts"});
      function fact(label, value, cell, extra) {
        facts.appendChild(make("dt", null, label));
        var dd = make("dd", Object.assign({"data-cell": cell}, extra || {}), value);
        facts.appendChild(dd);
      }
      fact(S.waiting_count, String(queue.waiting), "waiting");
      fact(S.longest_wait, queue.waiting ? clock(queue.longest_wait_seconds) : "—", "longest-wait",
           queue.waiting ? {"data-tick": queue.longest_wait_seconds} : null);
      fact(S.diamond_waiting, String(queue.diamond_waiting), "diamond");
      fact(S.serving_agents, String(queue.serving_agents), "serving-agents");
      fact(S.free_slots, String(queue.free_slots), "free-slots");
      card.appendChild(facts);
      box.appendChild(card);
    });
    var list = q("waiting-list");
    list.textContent = "";
    var rows = line.waiting.filter(function (w) { return !skills || skills.has(w.skill); });
    rows.forEach(function (w) {
      var diamond = w.tier === "diamond";
      var item = make("li", {className: "cc-wait" + (diamond ? " cc-wait--diamond" : ""), "data-testid": "waiting",
                             "data-conversation": w.number, "data-tier": w.tier, "data-skill": w.skill});
      item.appendChild(make("span", {className: "cc-wait__place mono"}, fmt(S.place, {position: w.position})));
      item.appendChild(make("span", {className: "cc-wait__name"}, w.customer));
      item.appendChild(make("span", {className: "tier tier--" + w.tier}, cfg.tiers[w.tier] || w.tier));
      item.appendChild(make("span", {className: "cc-wait__skill muted"}, cfg.skills[w.skill] || w.skill));
      item.appendChild(make("span", {className: "cc-wait__time mono", "data-tick": w.waiting_seconds},
                            clock(w.waiting_seconds)));
      list.appendChild(item);
    });
    if (!rows.length) list.appendChild(make("li", {className: "cc-wait cc-wait--none muted"}, S.nobody_waiting));
  }

  function tickLine() {
    var passed = (Date.now() - line.receivedAt) / 1000;
    Array.prototype.forEach.call(q("queue-panel").querySelectorAll("[data-tick]"), function (node) {
      node.textContent = clock(Number(node.getAttribute("data-tick")) + passed);
    });
  }

  function loadOverview() {
    if (!cfg.urls.overview || document.visibilityState !== "visible") return;
    request("GET", cfg.urls.overview).then(function (data) {
      var panel = q("agents-panel");
      var list = q("agent-rows");
      panel.hidden = false;
      list.textContent = "";
      (data.agents || []).forEach(function (row) {
        var item = make("li", {className: "cc-agentrow", "data-testid": "agent-row", "data-agent": row.agent.id,
                               "data-state": row.state});
        item.appendChild(make("span", {className: "cc-agentrow__name"}, row.agent.name));
        item.appendChild(make("span", {className: "cc-state", "data-state": row.state},
                              cfg.presence[row.state] || row.state));
        item.appendChild(make("span", {className: "muted"},
                              fmt(S.load, {active: row.active_chats, capacity: row.chat_capacity})));
        item.appendChild(make("span", {className: "mono muted"}, clock(row.seconds_in_state)));
        list.appendChild(item);
      });
      if (!(data.agents || []).length) list.appendChild(make("li", {className: "muted"}, S.no_agents));
    }).catch(function () { /* the next round tries again */ });
  }

  // ---- the chat list ----------------------------------------------------------------------------------------

  function lastWords(chat) {
    for (var i = chat.messages.length - 1; i >= 0; i--) {
      var m = chat.messages[i];
      if (m.sender !== "system") return m.body || (m.image_url ? S.image : "");
    }
    return "";
  }

  function chatItem(number) {
    var chat = chats.get(number), conv = chat.conv, customer = conv.customer || {};
    var classes = "cc-chatitem" + (conv.status !== "active" ? " is-ended" : "") + (chat.fresh ? " is-new" : "");
    var button = make("button", {type: "button", className: classes, "data-testid": "chat-item",
                                 "data-conversation": number, "data-status": conv.status,
                                 "aria-current": number === current ? "true" : null});
    var top = make("span", {className: "cc-chatitem__top"});
    top.appendChild(make("span", {className: "cc-chatitem__name"}, customer.name || number));
    if (customer.tier) {
      var tier = cfg.tiers[customer.tier] || customer.tier;
      top.appendChild(make("span", {className: "tier tier--" + customer.tier}, tier));
    }
    if (chat.unread) {
      var unread = make("span", {className: "cc-unread", "data-testid": "unread-count"});
      unread.appendChild(make("span", {"aria-hidden": "true"}, String(chat.unread)));
      unread.appendChild(make("span", {className: "sr-only"}, fmt(S.unread, {count: chat.unread})));
      top.appendChild(unread);
    }
    button.appendChild(top);
    var mid = make("span", {className: "cc-chatitem__meta"});
    if (conv.intent) {
      mid.appendChild(make("span", {className: "cc-intent", "data-testid": "chat-intent", "data-intent": conv.intent},
                           cfg.intents[conv.intent] || conv.intent));
    }
    mid.appendChild(make("span", {className: "muted"}, cfg.skills[conv.skill] || conv.skill));
    if (conv.status !== "active") mid.appendChild(make("span", {className: "badge"}, S.ended));
    button.appendChild(mid);
    button.appendChild(make("span", {className: "cc-chatitem__last muted"}, lastWords(chat)));
    button.addEventListener("click", function () { select(number, {focus: true}); });
    return button;
  }

  function renderList() {
    var list = q("chat-list");
    var focused = document.activeElement && list.contains(document.activeElement)
      ? document.activeElement.getAttribute("data-conversation") : null;
    list.textContent = "";
    order.forEach(function (number) {
      var li = make("li", {className: "cc-chatrow"});
      li.appendChild(chatItem(number));
      list.appendChild(li);
    });
    if (focused) {  // a rebuilt list keeps the focus where it was
      var again = list.querySelector('[data-conversation="' + focused + '"]');
      if (again) again.focus();
    }
    q("no-chats").hidden = order.length > 0;
    var open = order.filter(function (n) { return chats.get(n).conv.status === "active"; });
    q("chat-count").textContent = String(open.length);
  }

  function removeChat(number) {
    var chat = chats.get(number);
    if (chat) chat.pending.forEach(function (p) { window.clearTimeout(p.timer); });
    chats.delete(number);
    order = order.filter(function (n) { return n !== number; });
    dropNotices(number);
    if (current === number) {
      current = null;
      if (order.length) select(order[0]);
      else renderChat(true);
    }
    renderList();
    updateTitle();
  }

  function select(number, options) {
    options = options || {};
    if (!chats.has(number)) return;
    var reply = q("reply-input");
    if (current && chats.has(current)) chats.get(current).draft = reply.value;
    var changed = current !== number;
    current = number;
    var chat = chats.get(number);
    if (!options.auto) seen(number);  // shown by itself, a new chat stays news until the agent turns to it
    showError("reply-error", "");
    if (changed) reply.value = chat.draft || "";
    renderList();
    renderChat(true);
    markRead();
    updateTitle();
    if (options.focus && chat.conv.status === "active") reply.focus();
  }

  function seen(number) {
    var chat = chats.get(number);
    if (!chat || !chat.fresh) return;
    chat.fresh = false;
    dropNotices(number);
    renderList();
    updateTitle();
  }

  function step(by) {
    if (!order.length) return;
    var at = order.indexOf(current);
    var next = order[(at + by + order.length) % order.length];
    select(next, {focus: false});
    var item = q("chat-list").querySelector('[data-conversation="' + next + '"]');
    if (item) item.focus();
  }

  // ---- the open chat ----------------------------------------------------------------------------------------

  function renderHead() {
    var chat = chats.get(current);
    if (!chat) return;
    var conv = chat.conv, customer = conv.customer || {};
    var name = q("customer-link");
    name.textContent = customer.name || "";
    if (customer.id) name.href = pattern("customer_page", {id: customer.id});
    else name.removeAttribute("href");
    var tier = q("customer-tier");
    tier.className = "tier tier--" + (customer.tier || "");
    tier.textContent = customer.tier ? (cfg.tiers[customer.tier] || customer.tier) : "";
    tier.hidden = !customer.tier;
    q("customer-phone").textContent = customer.phone || "";
    var intent = q("intent");
    intent.setAttribute("data-intent", conv.intent || "");
    intent.textContent = conv.intent ? (cfg.intents[conv.intent] || conv.intent) : "";
    intent.hidden = !conv.intent;
    q("chat-number").textContent = conv.number;
    q("chat-skill").textContent = fmt(S.queue_label, {skill: cfg.skills[conv.skill] || conv.skill});
    var orderLink = q("order-link");
    orderLink.hidden = !conv.order;
    if (conv.order) {
      orderLink.href = pattern("order_page", {number: conv.order});
      orderLink.textContent = fmt(S.order, {number: conv.order});
    }
    var ticketLink = q("ticket-link");
    ticketLink.hidden = !conv.ticket;
    if (conv.ticket) {
      ticketLink.href = pattern("ticket_page", {number: conv.ticket});
      ticketLink.textContent = fmt(S.ticket, {number: conv.ticket});
    }
    var active = conv.status === "active";
    q("transfer").disabled = !active;
    q("end-chat").disabled = !active;
    q("close-chat").hidden = active;
    q("open-ticket").disabled = !!conv.ticket;
    q("chat-ended-note").hidden = active;
    q("reply-input").disabled = !active;
    q("reply-send").disabled = !active;
    q("image-input").disabled = !active;
  }

  function renderChat(rebuild) {
    var pane = q("chat-pane");
    var chat = current ? chats.get(current) : null;
    q("no-chat-open").hidden = !!chat;
    pane.hidden = !chat;
    if (!chat) return;
    renderHead();
    var transcript = q("transcript");
    if (rebuild) {
      transcript.setAttribute("aria-live", "off");  // a rebuilt transcript is not news
      transcript.textContent = "";
      transcript.setAttribute("data-conversation", current);
      chat.messages.forEach(function (m) { placeMessage(chat, m); });
      chat.pending.forEach(function (p) { placePending(chat, p); });
      transcript.scrollTop = transcript.scrollHeight;
      window.setTimeout(function () { transcript.setAttribute("aria-live", "polite"); }, 0);
    }
    renderTyping();
  }

  function senderName(chat, m) {
    if (m.sender === "assistant") return S.assistant;
    if (m.sender === "customer") {
      return (chat.conv.customer && chat.conv.customer.name) || (m.author && m.author.name) || S.customer;
    }
    if (m.sender === "agent") return m.author && m.author.id !== cfg.me.id ? m.author.name : S.me;
    return "";
  }

  function timeOf(m) {
    return make("time", {className: "cc-msg__time", datetime: m.sent_at}, shortTime(m.sent_at));
  }

  function bubble(chat, m, status) {
    var kind = m.sender || "system";
    var own = kind === "agent" && (!m.author || m.author.id === cfg.me.id);
    var node = make("div", {className: "cc-msg cc-msg--" + kind + (own ? " cc-msg--own" : ""),
                            "data-testid": "message", "data-sender": kind,
                            "data-message-id": m.id || null, "data-client-id": m.client_id || null,
                            "data-event": m.event || null, "data-status": status});
    if (kind === "system") {
      node.appendChild(make("span", {className: "cc-msg__system"}, m.body));
      if (m.sent_at) node.appendChild(timeOf(m));
      return node;
    }
    var head = make("div", {className: "cc-msg__head"});
    var who = make("span", {className: "cc-msg__who"}, senderName(chat, m));
    if (kind === "assistant") who.setAttribute("data-testid", "assistant-label");
    head.appendChild(who);
    if (m.sent_at) head.appendChild(timeOf(m));
    node.appendChild(head);
    var body = make("div", {className: "cc-msg__body"});
    var image = m.image_url || m.preview;
    if (image && (/^\/[^/]/.test(image) || image.indexOf("blob:") === 0)) {
      var link = make("a", {href: m.image_url || image, target: "_blank", rel: "noopener"});
      link.appendChild(make("img", {src: image, alt: S.image, loading: "lazy", className: "cc-msg__image"}));
      body.appendChild(link);
    }
    if (m.body) body.appendChild(make("p", {className: "cc-msg__text"}, m.body));
    node.appendChild(body);
    if (own) {
      var foot = make("div", {className: "cc-msg__status", "data-testid": "message-status"});
      if (status === "sending") foot.textContent = m.preview ? S.uploading : S.sending;
      else if (status === "failed") {
        var retry = make("button", {type: "button", className: "linkbtn cc-retry", "data-testid": "retry"}, S.failed);
        retry.addEventListener("click", function () { retrySend(chat, m.client_id); });
        foot.appendChild(retry);
      } else if (m.read_at) {
        foot.textContent = S.read;
        foot.setAttribute("data-read", "true");
      }
      node.appendChild(foot);
    }
    return node;
  }

  function placeMessage(chat, m) {
    var transcript = q("transcript");
    var node = bubble(chat, m, "sent");
    var old = transcript.querySelector('[data-message-id="' + m.id + '"]') ||
      (m.client_id ? transcript.querySelector('[data-client-id="' + CSS.escape(m.client_id) + '"]') : null);
    var stick = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 80;
    if (old) { old.replaceWith(node); return; }
    // Keep the order of ids; pending messages (no id yet) stay at the end.
    var after = null;
    Array.prototype.some.call(transcript.children, function (child) {
      var id = Number(child.getAttribute("data-message-id"));
      if (!child.getAttribute("data-message-id") || id > m.id) { after = child; return true; }
      return false;
    });
    transcript.insertBefore(node, after);
    if (stick || isOwn(m)) transcript.scrollTop = transcript.scrollHeight;
  }

  function placePending(chat, p) {
    var transcript = q("transcript");
    var m = {sender: "agent", author: {id: cfg.me.id, name: cfg.me.name}, body: p.body, client_id: p.clientId,
             sent_at: p.at, preview: p.preview, image_url: null};
    var node = bubble(chat, m, p.status);
    var old = transcript.querySelector('[data-client-id="' + CSS.escape(p.clientId) + '"]');
    if (old) old.replaceWith(node);
    else { transcript.appendChild(node); transcript.scrollTop = transcript.scrollHeight; }
  }

  function renderTyping() {
    var chat = chats.get(current);
    var box = q("typing-indicator");
    var on = chat && chat.conv.status === "active" && chat.typingUntil > Date.now();
    var text = on ? S.typing : "";
    if (box.textContent !== text) box.textContent = text;
    box.setAttribute("data-typing", on ? "true" : "false");
  }

  function markRead() {
    var chat = chats.get(current);
    if (!chat || document.visibilityState !== "visible") return;
    var last = 0;
    chat.messages.forEach(function (m) { if (!isOwn(m) && m.id > last) last = m.id; });
    if (chat.unread || last > chat.lastRead) {
      if (last > chat.lastRead && send({type: "read", conversation: current, up_to: last, ref: "read"})) {
        chat.lastRead = last;
      }
      chat.unread = 0;
      renderList();
      updateTitle();
    }
  }

  // ---- writing ----------------------------------------------------------------------------------------------

  function sendText() {
    var chat = chats.get(current);
    var box = q("reply-input");
    var body = box.value.trim();
    showError("reply-error", "");
    if (!chat || chat.conv.status !== "active") return;
    if (!body) { showError("reply-error", S.error_required); return; }
    var p = {clientId: clientId(), body: body, at: new Date().toISOString(), status: "sending", number: current};
    chat.pending.set(p.clientId, p);
    box.value = "";
    chat.draft = "";
    placePending(chat, p);
    transmit(chat, p);
  }

  function transmit(chat, p) {
    window.clearTimeout(p.timer);
    p.status = "sending";
    if (send({type: "message", conversation: p.number, body: p.body, client_id: p.clientId, ref: p.clientId})) {
      p.timer = window.setTimeout(function () {
        if (!chat.pending.has(p.clientId)) return;
        p.status = "failed";
        if (p.number === current) placePending(chat, p);
      }, SEND_TIMEOUT);
    }
    // Not connected: it stays "sending" and goes out after the reconnect (the client_id makes a retry safe).
    if (p.number === current) placePending(chat, p);
  }

  function retrySend(chat, id) {
    var p = chat.pending.get(id);
    if (!p) return;
    if (p.file) upload(chat, p);
    else transmit(chat, p);
  }

  function resendPending() {
    chats.forEach(function (chat) {
      chat.pending.forEach(function (p) {
        if (p.status === "sending" && !p.file) transmit(chat, p);
      });
    });
  }

  function upload(chat, p) {
    p.status = "sending";
    if (p.number === current) placePending(chat, p);
    var form = new FormData();
    form.append("image", p.file);
    form.append("client_id", p.clientId);
    request("POST", pattern("images", {number: p.number}), form).then(function (message) {
      onMessage(p.number, message);  // the socket brings it too: whichever comes first, once
    }, function (error) {
      p.status = "failed";
      if (p.number === current) { placePending(chat, p); showError("reply-error", error.message); }
    });
  }

  function sendImage(file) {
    var chat = chats.get(current);
    if (!chat || chat.conv.status !== "active" || !file) return;
    showError("reply-error", "");
    var p = {clientId: clientId(), body: "", at: new Date().toISOString(), status: "sending", number: current,
             file: file, preview: URL.createObjectURL(file)};
    chat.pending.set(p.clientId, p);
    placePending(chat, p);
    upload(chat, p);
  }

  function typed() {
    var chat = chats.get(current);
    if (!chat || chat.conv.status !== "active") return;
    var now = Date.now();
    if (now - lastTypingSent < cfg.typing_seconds * 1000) return;
    lastTypingSent = now;
    send({type: "typing", conversation: current, ref: "typing"});
  }

  // ---- canned replies ---------------------------------------------------------------------------------------

  function loadCanned() {
    if (!cfg.urls.canned) return;
    request("GET", cfg.urls.canned).then(function (replies) {
      if (!Array.isArray(replies) || !replies.length) return;
      var select = q("canned-select");
      replies.forEach(function (reply) {
        var option = make("option", {value: String(reply.id)}, reply.title);
        option.setAttribute("data-text", reply.text);
        select.appendChild(option);
      });
      q("canned").hidden = false;
    }).catch(function () { /* no canned replies: the box stays hidden */ });
  }

  function useCanned(select) {
    var option = select.options[select.selectedIndex];
    var text = option && option.getAttribute("data-text");
    select.selectedIndex = 0;
    var chat = chats.get(current);
    if (!text || !chat) return;
    var customer = chat.conv.customer;
    if (customer && customer.name) text = text.split(cfg.canned_gaps.customer_name).join(customer.name);
    if (chat.conv.order) text = text.split(cfg.canned_gaps.order_number).join(chat.conv.order);
    var box = q("reply-input");
    box.value = box.value ? box.value.replace(/\s*$/, "") + "\n" + text : text;
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }

  // ---- dialogs: transfer, end, ticket -----------------------------------------------------------------------

  function openDialog(testid) {
    var dialog = q(testid);
    Array.prototype.forEach.call(dialog.querySelectorAll(".cc-error"), function (n) { n.textContent = ""; });
    dialog.setAttribute("data-conversation", current);
    if (typeof dialog.showModal === "function") dialog.showModal();
    else dialog.setAttribute("open", "");
    return dialog;
  }

  function closeDialog(testid) {
    var dialog = q(testid);
    if (!dialog.open) return;
    if (typeof dialog.close === "function") dialog.close();
    else dialog.removeAttribute("open");
  }

  function openTransfer() {
    if (!current) return;
    openDialog("transfer-dialog");
    q("transfer-note").value = "";
    var group = q("transfer-dialog").querySelector('[data-group="agents"]');
    var select = q("transfer-target");
    group.textContent = "";
    q("transfer-hint").textContent = "";
    request("GET", cfg.urls.colleagues).then(function (data) {
      var any = false;
      (data.agents || []).forEach(function (agent) {
        var label = agent.available
          ? fmt(S.colleague_option, {name: agent.name, active: agent.active_chats, capacity: agent.chat_capacity})
          : fmt(S.colleague_unavailable, {name: agent.name, state: cfg.presence[agent.state] || agent.state});
        var option = make("option", {value: "agent:" + agent.id, disabled: !agent.available}, label);
        group.appendChild(option);
        any = any || agent.available;
      });
      if (!any) q("transfer-hint").textContent = S.no_colleagues;
      var first = select.querySelector("option:not([disabled])");
      if (first) select.value = first.value;
    }).catch(function (error) { showError("transfer-error", error.message); });
    select.focus();
  }

  function confirmTransfer(event) {
    event.preventDefault();
    var number = q("transfer-dialog").getAttribute("data-conversation");
    var value = q("transfer-target").value || "";
    var note = q("transfer-note").value.trim();
    var frame = {type: "transfer", conversation: number, ref: "transfer:" + number};
    if (value.indexOf("agent:") === 0) frame.agent = Number(value.slice(6));
    else if (value.indexOf("skill:") === 0) frame.skill = value.slice(6);
    else { showError("transfer-error", S.choose_target); return; }
    if (note) frame.note = note;
    if (!send(frame)) showError("transfer-error", S.error_network);
    // The dialog closes when the chat has left us ("transferred"), or shows the error frame.
  }

  function openEnd() {
    if (!current) return;
    openDialog("end-dialog");
    q("end-reason").value = "";
    q("end-reason").focus();
  }

  function confirmEnd(event) {
    event.preventDefault();
    var number = q("end-dialog").getAttribute("data-conversation");
    var frame = {type: "end", conversation: number, ref: "end:" + number};
    var reason = q("end-reason").value.trim();
    if (reason) frame.reason = reason;
    if (!send(frame)) showError("end-error", S.error_network);
  }

  function openTicket() {
    var chat = chats.get(current);
    if (!chat) return;
    openDialog("ticket-dialog");
    var conv = chat.conv;
    var subject = [conv.intent ? cfg.intents[conv.intent] : "", conv.customer ? conv.customer.name : "", conv.number]
      .filter(Boolean).join(" · ");
    q("ticket-subject").value = subject.slice(0, cfg.limits.subject);
    var kind = conv.skill === "presale" ? "question" : "request";
    q("ticket-kind").value = conv.intent === "complaint" ? "complaint" : kind;
    if (!q("ticket-kind").value) q("ticket-kind").selectedIndex = 0;
    q("ticket-subject").focus();
    q("ticket-subject").select();
  }

  function confirmTicket(event) {
    event.preventDefault();
    var dialog = q("ticket-dialog");
    var number = dialog.getAttribute("data-conversation");
    var subject = q("ticket-subject").value.trim();
    if (!subject) { showError("ticket-error", S.error_required); return; }
    var button = q("ticket-confirm");
    button.disabled = true;
    request("POST", pattern("ticket_api", {number: number}),
            {subject: subject, kind: q("ticket-kind").value, severity: q("ticket-severity").value})
      .then(function (data) {
        var chat = chats.get(number);
        if (chat) chat.conv.ticket = data.ticket;
        closeDialog("ticket-dialog");
        if (number === current) renderHead();
        notice(fmt(S.ticket_opened, {ticket: data.ticket, number: number}), {tone: "ok"});
        q("ticket-link").focus();
      }, function (error) { showError("ticket-error", error.message); })
      .then(function () { button.disabled = false; });
  }

  // ---- wiring -----------------------------------------------------------------------------------------------

  function wire() {
    ["available", "away", "offline"].forEach(function (target) {
      q("presence-" + target).addEventListener("click", function () { choosePresence(target); });
    });
    q("acw-ready").addEventListener("click", function () { send({type: "ready", ref: "presence:ready"}); });

    var reply = q("reply-input");
    reply.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        sendText();
      }
    });
    reply.addEventListener("focus", function () { if (current) seen(current); });
    reply.addEventListener("input", function () {
      if (reply.value.trim()) typed();
      if (current && chats.has(current)) chats.get(current).draft = reply.value;
    });
    q("composer").addEventListener("submit", function (event) { event.preventDefault(); sendText(); });
    q("image-input").addEventListener("change", function (event) {
      var file = event.target.files && event.target.files[0];
      sendImage(file);
      event.target.value = "";
    });
    q("canned-select").addEventListener("change", function (event) { useCanned(event.target); });

    q("transfer").addEventListener("click", openTransfer);
    q("end-chat").addEventListener("click", openEnd);
    q("open-ticket").addEventListener("click", openTicket);
    q("close-chat").addEventListener("click", function () { if (current) removeChat(current); });
    root.querySelector('[data-form="transfer"]').addEventListener("submit", confirmTransfer);
    root.querySelector('[data-form="end"]').addEventListener("submit", confirmEnd);
    root.querySelector('[data-form="ticket"]').addEventListener("submit", confirmTicket);
    Array.prototype.forEach.call(root.querySelectorAll("dialog [data-close]"), function (button) {
      button.addEventListener("click", function () {
        var dialog = button.closest("dialog");
        if (dialog.close) dialog.close(); else dialog.removeAttribute("open");
      });
    });

    document.addEventListener("keydown", function (event) {
      if (!event.altKey || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) return;
      if (root.querySelector("dialog[open]")) return;
      event.preventDefault();
      step(event.key === "ArrowDown" ? 1 : -1);
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { markRead(); loadOverview(); }
    });
    window.addEventListener("online", reconnectNow);
    window.addEventListener("focus", markRead);

    window.setInterval(function () {
      tickLine();
      renderAcw();
      renderTyping();
    }, 1000);
    if (cfg.urls.overview) {
      loadOverview();
      window.setInterval(loadOverview, OVERVIEW_EVERY);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    root = document.getElementById("chat-console");
    var data = document.getElementById("chat-console-config");
    if (!root || !data) return;
    cfg = JSON.parse(data.textContent);
    S = cfg.strings;
    var lang = document.documentElement.lang || "zh-hans";
    try {
      timeFormat = new Intl.DateTimeFormat(lang, {hour: "2-digit", minute: "2-digit", hour12: false,
                                                  timeZone: "Asia/Shanghai"});
    } catch (e) {
      timeFormat = {format: function (d) { return d.toTimeString().slice(0, 5); }};
    }
    wire();
    renderPresence();
    renderList();
    renderChat(true);
    renderLine();
    loadCanned();
    connect();
  });
})();
