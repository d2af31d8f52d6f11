// kefu — the customer's live-chat window (portal /chat/). Plain ES2017, no build step, no library.
//
// One websocket, ws/chat/ (the protocol is at the top of src/kefu/chat/consumers.py). Before a chat the smart
// assistant answers ("ask" → "assistant"); "Talk to a person" sends "start"; while waiting the window shows the
// place in the line and the expected wait, and offers to leave a message when nobody serves the line (never a
// silent line); while served: messages, typing both ways, read receipts, images over HTTP. Every message
// carries a client_id, so a retry (after a dropped socket too) is stored once; "hello" on every (re)connect
// brings the window up to date. Words come from the page (<script id="chat-config">), never from this file.
(function () {
  "use strict";

  var TYPING_EVERY = 2000;      // send "typing" at most this often (ms)
  var TYPING_SHOWN = 5000;      // how long the agent's typing indicator stays without a new signal
  var ECHO_TIMEOUT = 15000;     // an unconfirmed message is shown as not sent after this long
  var PING_EVERY = 25000;       // keeps idle proxies from closing the socket
  var RETRY_FIRST = 1000, RETRY_MAX = 30000;
  var ASK_LIMIT = 500, MESSAGE_LIMIT = 5000;

  function ChatWindow(root, config) {
    this.root = root;
    this.cfg = config;
    this.s = config.strings || {};
    this.el = {};
    var named = root.querySelectorAll("[data-role]");
    for (var i = 0; i < named.length; i++) this.el[named[i].getAttribute("data-role")] = named[i];
    this.status = root.querySelector("[data-testid=chat-status]");

    this.socket = null;
    this.connected = false;
    this.retryDelay = RETRY_FIRST;
    this.failures = 0;
    this.retryTimer = null;
    this.pingTimer = null;

    this.phase = "connecting";  // connecting | idle (the assistant) | waiting | active
    this.conv = null;           // the open chat (a conversation object), or null
    this.pending = {};          // client_id -> {kind, body, node, timer, sent}
    this.refs = 0;
    this.startRef = null;       // ref of the "start" in flight
    this.leaveRef = null;
    this.leaveNode = null;
    this.round = 0;             // a run of assistant exchanges; handed on with the next chat
    this.readSent = 0;
    this.readUpTo = 0;          // the agent has read the customer's messages up to this id
    this.typedAt = 0;
    this.typingTimer = null;
    this.endedChats = {};       // numbers of chats this window has shown as ended

    this.bind();
    this.greet(this.s.greeting);
    this.render();
    this.connect();
  }

  var P = ChatWindow.prototype;

  // ---- words and small helpers ------------------------------------------------------------------------------

  P.t = function (key, params) {
    var text = this.s[key] || key;
    if (params) {
      text = text.replace(/%\((\w+)\)s/g, function (all, name) {
        return Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : all;
      });
    }
    return text;
  };

  function newId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var out = "";
    for (var i = 0; i < 4; i++) out += Math.floor(Math.random() * 0x100000000).toString(16);
    return out;
  }

  var BEIJING = null;
  try {
    BEIJING = new Intl.DateTimeFormat("en-GB", {timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit",
                                                hour12: false});
  } catch (e) { BEIJING = null; }

  function clock(iso) {  // HH:MM in Beijing time, the time every page shows, whatever offset the server wrote
    if (typeof iso !== "string" || iso.length < 16) return "";
    var when = new Date(iso);
    if (BEIJING && !isNaN(when.getTime())) return BEIJING.format(when);
    return iso.slice(11, 16);
  }

  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  P.link = function (kind, value) {
    var slots = this.cfg.slots || {};
    var pattern = (this.cfg.links || {})[kind];
    if (!pattern || !value) return null;
    var slot = kind === "case" ? slots["case"] : kind === "ticket" ? slots.ticket : slots.order;
    return pattern.replace(slot, encodeURIComponent(value));
  };

  // ---- the socket ---------------------------------------------------------------------------------------------

  P.connect = function () {
    var self = this;
    if (this.socket || !("WebSocket" in window)) return;
    window.clearTimeout(this.retryTimer);
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + this.cfg.ws_path);
    this.socket = socket;
    this.setStatus(this.failures || this.everConnected ? "reconnecting" : "connecting");
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame && typeof frame.type === "string") self.receive(frame);
    };
    socket.onclose = function () {
      if (self.socket !== socket) return;
      self.socket = null;
      self.connected = false;
      // A start or a message left in flight: "hello" on the next connect says what became of it.
      self.startRef = self.leaveRef = null;
      window.clearInterval(self.pingTimer);
      self.failures += 1;
      self.setStatus(self.failures > 3 ? "offline" : "reconnecting");
      self.render();
      // Back-off with a little jitter; "hello" on the next connect catches the window up.
      var delay = self.retryDelay + Math.floor(Math.random() * 400);
      self.retryDelay = Math.min(self.retryDelay * 2, RETRY_MAX);
      self.retryTimer = window.setTimeout(function () { self.connect(); }, delay);
    };
  };

  P.reconnectNow = function () {
    if (this.socket) return;
    this.retryDelay = RETRY_FIRST;
    this.connect();
  };

  P.send = function (frame) {
    if (!this.socket || !this.connected || this.socket.readyState !== 1) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  };

  P.nextRef = function (what) {
    this.refs += 1;
    return what + ":" + this.refs;
  };

  P.setStatus = function (state) {
    this.status.setAttribute("data-state", state);
    this.status.textContent = this.t("status_" + state);
  };

  // ---- frames from the server ---------------------------------------------------------------------------------

  P.receive = function (frame) {
    var handler = this["on_" + frame.type.replace(/\./g, "_")];
    if (handler) handler.call(this, frame);
  };

  P.on_hello = function (frame) {
    var self = this;
    this.connected = true;
    this.everConnected = true;
    this.failures = 0;
    this.retryDelay = RETRY_FIRST;
    this.setStatus("connected");
    window.clearInterval(this.pingTimer);
    this.pingTimer = window.setInterval(function () { self.send({type: "ping"}); }, PING_EVERY);

    var previous = this.conv;
    var conv = frame.conversation || null;
    if (previous && (!conv || conv.number !== previous.number) && !this.endedChats[previous.number]) {
      // It ended (or became a message left) while the socket was down.
      this.endedChats[previous.number] = true;
      this.addNote(this.t("ended_note"));
    }
    if (conv) {
      this.adopt(conv);
      this.showMessages(conv.messages || []);
    } else {
      this.conv = null;
      this.phase = "idle";
      (frame.assistant || []).forEach(function (exchange) { self.showExchange(exchange, false); });
    }
    this.resendPending();
    this.render();
    this.markRead();
  };

  P.on_pong = function () {};

  P.on_started = function (frame) {
    this.startRef = null;
    var messages = frame.conversation.messages || [];
    // The assistant's recent exchanges became the chat's first messages: show them once, in the chat.
    if (messages.some(function (m) { return m.sender === "assistant"; })) this.dropRound(this.round);
    this.round += 1;
    this.hideLeft();
    this.adopt(frame.conversation);
    this.showMessages(messages);
    this.render();
    this.el.input.focus();
  };

  P.on_conversation = P.on_started;

  P.on_queue = function (frame) {
    if (!this.conv || frame.conversation !== this.conv.number) return;
    this.conv.position = frame.position;
    this.conv.expected_wait_seconds = frame.expected_wait_seconds;
    this.conv.serving_agents = frame.serving_agents;
    this.render();
  };

  P.on_assigned = function (frame) {
    this.adopt(frame.conversation);
    if (frame.message) this.showMessage(frame.message);
    this.render();
    this.markRead();
  };

  P.on_message = function (frame) {
    var message = frame.message;
    if (!message) return;
    if (!this.conv || frame.conversation !== this.conv.number) return;
    this.showMessage(message);
    if (message.sender === "agent") this.hideTyping();
    this.markRead();
  };

  P.on_typing = function (frame) {
    if (!this.conv || frame.conversation !== this.conv.number || frame.from !== "agent") return;
    var self = this;
    var name = this.conv.agent ? this.conv.agent.name : this.t("agent");
    this.el.typing.textContent = this.t("agent_typing", {agent: name});
    this.el.typing.hidden = false;
    window.clearTimeout(this.typingTimer);
    this.typingTimer = window.setTimeout(function () { self.hideTyping(); }, TYPING_SHOWN);
  };

  P.on_read = function (frame) {
    // Our own "read" comes back too (reader "customer"): only the agent's reading marks our messages.
    if (!this.conv || frame.conversation !== this.conv.number || frame.reader !== "agent") return;
    this.readUpTo = Math.max(this.readUpTo, frame.up_to || 0);
    this.showReceipts();
  };

  P.on_transferred = function (frame) {
    this.adopt(frame.conversation);
    if (frame.message) this.showMessage(frame.message);
    this.hideTyping();
    this.render();
  };

  P.on_ended = function (frame) {
    if (frame.message) this.showMessage(frame.message);
    var number = frame.conversation && frame.conversation.number;
    if (number) this.endedChats[number] = true;
    this.closeChat();
    this.greet(this.t("greeting_again"));
    this.render();
  };

  P.on_left_message = function (frame) {
    var number = frame.conversation && frame.conversation.number;
    if (number) this.endedChats[number] = true;
    if (this.leaveNode) {
      this.leaveNode.classList.remove("is-sending");
      var meta = this.leaveNode.querySelector(".chatmsg__state");
      if (meta) meta.textContent = "";
      this.leaveNode = null;
    }
    if (frame.message) this.showMessage(frame.message, {ticket: frame.ticket});
    this.leaveRef = null;
    this.closeChat();
    this.el.leave.hidden = true;
    this.el["leave-body"].value = "";
    this.el["left-title"].textContent = this.t("left_title", {ticket: frame.ticket});
    this.el["left-next"].textContent = frame.next_step || "";
    this.el["left-link"].textContent = this.t("left_link", {ticket: frame.ticket});
    this.el["left-link"].href = this.link("ticket", frame.ticket) || "#";
    this.el.left.hidden = false;
    this.render();
  };

  P.on_ticket = function (frame) {
    if (frame.message) this.showMessage(frame.message, {ticket: frame.ticket});
  };

  P.on_assistant = function (frame) {
    var exchange = frame.exchange;
    if (!exchange) return;
    var waiting = frame.client_id && this.pending[frame.client_id];
    var node = waiting ? waiting.node : null;
    if (waiting) this.settle(frame.client_id);
    this.hideThinking();
    this.showExchange(exchange, node);
    // The customer asked for a person in words: do what they asked.
    if (waiting && exchange.intent === "human_agent" && !this.conv) this.startChat();
  };

  P.on_error = function (frame) {
    var ref = frame.ref;
    var reason = this.errorWords(frame);
    if (typeof ref === "string" && this.pending[ref]) {
      this.fail(ref, reason);
      this.showError(reason);
      return;
    }
    if (ref && ref === this.startRef) {
      this.startRef = null;
      if (frame.code === "nobody_online") {
        this.openLeave(this.t("nobody_online"));
        this.render();
        return;
      }
      this.showError(reason);
      this.render();
      return;
    }
    if (ref && ref === this.leaveRef) {
      this.leaveRef = null;
      if (this.leaveNode) { this.leaveNode.remove(); this.leaveNode = null; }
      this.el["leave-error"].textContent = reason;
      this.render();
      return;
    }
    if (typeof ref === "string" && (ref.indexOf("read:") === 0 || ref.indexOf("typing:") === 0)) return;
    this.showError(reason);
  };

  P.errorWords = function (frame) {
    var known = this.s["error_" + frame.code];
    return known || this.t("error", {reason: frame.message || frame.code || ""});
  };

  // ---- the state of the chat ----------------------------------------------------------------------------------

  P.adopt = function (conv) {
    var was = this.conv;
    if (!was || was.number !== conv.number) this.readUpTo = 0;
    this.conv = conv;
    this.phase = conv.status === "active" ? "active" : conv.status === "waiting" ? "waiting" : "idle";
    if (this.phase === "idle") this.conv = null;
  };

  P.closeChat = function () {
    this.conv = null;
    this.phase = "idle";
    this.readSent = 0;
    this.hideTyping();
    this.endConfirm(false);
  };

  P.render = function () {
    var open = !!this.conv;
    this.root.setAttribute("data-phase", this.phase);
    this.root.setAttribute("data-connected", this.connected ? "yes" : "no");
    this.root.setAttribute("data-conversation", open ? this.conv.number : "");

    var name = this.el["agent-name"];
    var avatar = this.el.avatar;
    if (this.phase === "active" && this.conv && this.conv.agent) {
      name.textContent = this.t("serving", {agent: this.conv.agent.name});
      name.setAttribute("data-agent", this.conv.agent.name);
      avatar.textContent = Array.from(this.conv.agent.name)[0] || "";
    } else if (this.phase === "waiting") {
      name.textContent = this.t("waiting_title");
      name.removeAttribute("data-agent");
      avatar.textContent = "…";
    } else {
      name.textContent = this.t("assistant");
      name.removeAttribute("data-agent");
      avatar.textContent = this.t("assistant_mark");
    }

    var waiting = this.phase === "waiting" && open;
    this.el.queue.hidden = !waiting;
    if (waiting) this.renderQueue();
    this.el.end.hidden = !open;
    this.el["handoff-panel"].hidden = open || this.phase === "connecting";
    this.el.handoff.disabled = !!this.startRef;
    this.el.handoff.textContent = this.startRef ? this.t("handoff_busy") : this.t("handoff");
    this.el["image-label"].hidden = !open;
    this.el.input.maxLength = open ? MESSAGE_LIMIT : ASK_LIMIT;
    this.el.input.placeholder = open ? this.t("placeholder_chat") : this.t("placeholder_assistant");
  };

  P.renderQueue = function () {
    var conv = this.conv;
    var position = conv.position;
    // A frame without the line's figures (started, transferred) is followed by a "queue" frame with them; a
    // place without an expected wait means nobody serves the line now.
    var placed = position !== null && position !== undefined;
    var unknown = placed && (conv.expected_wait_seconds === null || conv.expected_wait_seconds === undefined);
    this.el.position.textContent = !placed ? this.t("queue_joining")
      : position === 1 ? this.t("position_next") : this.t("position", {n: position});
    this.el.position.setAttribute("data-position", placed ? String(position) : "");
    var wait;
    if (!placed) wait = "";
    else if (unknown) wait = this.t("wait_unknown");
    else if (conv.expected_wait_seconds < 60) wait = this.t("wait_under_minute");
    else wait = this.t("wait_minutes", {n: Math.ceil(conv.expected_wait_seconds / 60)});
    this.el.wait.textContent = wait;
    this.el.wait.setAttribute("data-seconds", unknown ? "" : String(conv.expected_wait_seconds));
    this.el.queue.classList.toggle("is-unserved", unknown);
    // Nobody serves the line: the way out is right there (never a silent line), offered once per chat.
    if (unknown && this.leaveOffered !== conv.number) {
      this.leaveOffered = conv.number;
      if (this.el.leave.hidden && !this.leaveRef) this.openLeave(this.t("nobody_online"));
    }
  };

  // ---- showing messages -------------------------------------------------------------------------------------

  P.find = function (key) {
    return this.el.messages.querySelector('[data-key="' + key + '"]');
  };

  P.append = function (node) {
    var list = this.el.messages;
    var nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    list.appendChild(node);
    if (nearBottom || node.classList.contains("chatmsg--customer")) list.scrollTop = list.scrollHeight;
  };

  P.bubble = function (sender, who, time) {
    var li = make("li", "chatmsg chatmsg--" + sender);
    li.setAttribute("data-sender", sender);
    var meta = make("p", "chatmsg__meta");
    meta.appendChild(make("span", "chatmsg__who", who));
    if (time) {
      var t = make("time", "chatmsg__time", clock(time));
      t.setAttribute("datetime", time);
      meta.appendChild(t);
    }
    meta.appendChild(make("span", "chatmsg__state"));
    li.appendChild(meta);
    return li;
  };

  P.body = function (li, text) {
    if (text) li.appendChild(make("div", "chatmsg__body", text));
  };

  P.image = function (li, src) {
    var a = make("a", "chatmsg__image");
    a.href = src;
    a.target = "_blank";
    a.rel = "noopener";
    a.title = this.t("image_open");
    var img = make("img");
    img.src = src;
    img.alt = this.t("image_alt");
    img.loading = "lazy";
    a.appendChild(img);
    li.appendChild(a);
  };

  P.messageNode = function (m, extra) {
    var li;
    if (m.sender === "system") {
      li = make("li", "chatmsg chatmsg--system");
      li.setAttribute("data-sender", "system");
      if (m.event) li.setAttribute("data-event", m.event);
      li.appendChild(make("span", "chatmsg__body", m.body));
      var ticket = extra && extra.ticket;
      if (ticket) {
        var a = make("a", "chatmsg__ticket", this.t("ticket_link", {ticket: ticket}));
        a.href = this.link("ticket", ticket);
        li.appendChild(document.createTextNode(" "));
        li.appendChild(a);
      }
    } else {
      var who = m.sender === "customer" ? this.t("you")
        : m.sender === "assistant" ? this.t("assistant")
        : (m.author && m.author.name) || this.t("agent");
      li = this.bubble(m.sender, who, m.sent_at);
      if (m.image_url) this.image(li, m.image_url);
      this.body(li, m.body);
    }
    li.setAttribute("data-key", "m" + m.id);
    li.setAttribute("data-id", m.id);
    if (m.client_id) li.setAttribute("data-client-id", m.client_id);
    if (m.sender === "customer" && m.read_at) li.setAttribute("data-read", "yes");
    return li;
  };

  P.showMessage = function (m, extra) {
    if (this.find("m" + m.id)) return;
    var node = this.messageNode(m, extra);
    var mine = m.client_id && this.pending[m.client_id];
    if (mine && mine.node && mine.node.parentNode) {
      // The echo of our own message: it replaces the "sending…" bubble in place.
      mine.node.parentNode.replaceChild(node, mine.node);
      this.settle(m.client_id, true);
    } else {
      var shown = m.client_id && m.sender === "customer" && this.el.messages.querySelector(
        '[data-client-id="' + cssEscape(m.client_id) + '"]:not([data-id])');
      if (shown) shown.parentNode.replaceChild(node, shown);
      else this.append(node);
    }
    if (m.sender === "customer") this.showReceipts();
  };

  P.showMessages = function (messages) {
    for (var i = 0; i < messages.length; i++) this.showMessage(messages[i]);
  };

  P.showReceipts = function () {
    var self = this;
    var mine = this.el.messages.querySelectorAll(".chatmsg--customer[data-id]");
    for (var i = 0; i < mine.length; i++) {
      var id = parseInt(mine[i].getAttribute("data-id"), 10);
      var read = mine[i].getAttribute("data-read") === "yes" || (self.readUpTo && id <= self.readUpTo);
      if (read) mine[i].setAttribute("data-read", "yes");
      var state = mine[i].querySelector(".chatmsg__state");
      if (state && !mine[i].classList.contains("is-failed")) {
        state.textContent = read ? this.t("read") : "";
        state.classList.toggle("is-read", !!read);
      }
    }
  };

  P.note = function (text, className) {
    var li = make("li", "chatmsg chatmsg--system " + (className || ""));
    li.setAttribute("data-sender", "system");
    li.appendChild(make("span", "chatmsg__body", text));
    return li;
  };

  P.addNote = function (text) {
    this.append(this.note(text, "chatmsg--local"));
  };

  P.greet = function (text) {
    var li = this.bubble("assistant", this.t("assistant"));
    li.classList.add("chatmsg--greeting");
    li.setAttribute("data-round", this.round);
    this.body(li, text);
    this.append(li);
  };

  P.addBot = function (text, actions, round, exchange) {
    var li = this.bubble("assistant", this.t("assistant"), exchange && exchange.asked_at);
    li.setAttribute("data-round", round);
    this.body(li, text);
    if (exchange && exchange.faq && exchange.faq.question) {
      li.appendChild(make("p", "chatmsg__faq", this.t("faq", {question: exchange.faq.question})));
    }
    var box = this.actions(actions || [], exchange && exchange.handoff);
    if (box) li.appendChild(box);
    this.append(li);
    return li;
  };

  P.actions = function (actions, handoff) {
    var self = this;
    var box = make("div", "chatmsg__actions");
    var wantsPerson = !!handoff;
    actions.forEach(function (action) {
      var href = null, label = null;
      switch (action.kind) {
        case "view_order": href = self.link("order", action.order); label = self.t("action_view_order", action); break;
        case "cancel_order":  // the order page has the button, with its own confirmation
          href = self.link("order", action.order); label = self.t("action_cancel_order", action); break;
        case "open_aftersales":
          href = self.link("aftersales_new", action.order); label = self.t("action_open_aftersales"); break;
        case "view_case": href = self.link("case", action["case"]); label = self.t("action_view_case", action); break;
        case "apply_price_protection": href = self.link("aftersales_new", action.order);
          label = self.t("action_apply_price_protection"); break;
        case "contact_agent": case "handoff": wantsPerson = true; break;
        default: break;  // sign_in and kinds this window does not know: nothing to show
      }
      if (href && label) {
        var a = make("a", "btn btn--small chatmsg__action", label);
        a.href = href;
        a.setAttribute("data-action", action.kind);
        box.appendChild(a);
      }
    });
    if (wantsPerson) {
      var button = make("button", "btn btn--small btn--primary chatmsg__action", self.t("handoff"));
      button.type = "button";
      button.setAttribute("data-action", "handoff");
      button.addEventListener("click", function () { self.startChat(); });
      box.appendChild(button);
    }
    return box.childNodes.length ? box : null;
  };

  P.showExchange = function (exchange, asked) {
    var key = "x" + exchange.id;
    if (this.find(key)) return;
    var question = this.bubble("customer", this.t("you"), exchange.asked_at);
    this.body(question, exchange.question);
    question.setAttribute("data-key", key);
    question.setAttribute("data-round", this.round);
    question.setAttribute("data-exchange", exchange.id);
    // The question shown as "sending…" becomes the one the server kept.
    if (asked && asked.parentNode) asked.parentNode.replaceChild(question, asked);
    else this.append(question);
    var answer = this.addBot(exchange.answer, exchange.actions, this.round, exchange);
    answer.setAttribute("data-exchange", exchange.id);
    answer.setAttribute("data-intent", exchange.intent || "");
    if (asked) this.el.messages.scrollTop = this.el.messages.scrollHeight;
  };

  P.dropRound = function (round) {
    var nodes = this.el.messages.querySelectorAll('[data-round="' + round + '"]:not(.chatmsg--greeting)');
    for (var i = 0; i < nodes.length; i++) nodes[i].remove();
  };

  P.thinking = function () {
    if (this.find("thinking")) return;
    var li = this.note(this.t("assistant_thinking"), "chatmsg--thinking");
    li.setAttribute("data-key", "thinking");
    this.append(li);
  };

  P.hideThinking = function () {
    var node = this.find("thinking");
    if (node) node.remove();
  };

  P.hideTyping = function () {
    window.clearTimeout(this.typingTimer);
    this.el.typing.hidden = true;
    this.el.typing.textContent = "";
  };

  // ---- writing ------------------------------------------------------------------------------------------------

  P.submit = function () {
    var input = this.el.input;
    var body = input.value.trim();
    this.showError("");
    if (!body) return;
    var limit = this.conv ? MESSAGE_LIMIT : ASK_LIMIT;
    if (body.length > limit) { this.showError(this.t("too_long", {n: limit})); return; }
    input.value = "";
    this.write(this.conv ? "message" : "ask", body);
  };

  P.write = function (kind, body) {
    var clientId = newId();
    var li = this.bubble("customer", this.t("you"));
    li.classList.add("is-sending");
    li.setAttribute("data-client-id", clientId);
    li.setAttribute("data-key", "c" + clientId);
    if (kind === "ask") li.setAttribute("data-round", this.round);
    this.body(li, body);
    li.querySelector(".chatmsg__state").textContent = this.t("sending");
    this.append(li);
    this.pending[clientId] = {kind: kind, body: body, node: li, sent: false};
    this.transmit(clientId);
  };

  P.transmit = function (clientId) {
    var self = this;
    var item = this.pending[clientId];
    if (!item) return;
    item.node.classList.remove("is-failed");
    item.node.classList.add("is-sending");
    item.node.querySelector(".chatmsg__state").textContent = this.t("sending");
    var retry = item.node.querySelector(".chatmsg__retry");
    if (retry) retry.remove();
    var frame = {type: item.kind, body: item.body, client_id: clientId, ref: clientId};
    item.sent = this.send(frame);
    if (!item.sent) { this.showError(this.t("error_offline")); return; }
    if (item.kind === "ask") this.thinking();
    window.clearTimeout(item.timer);
    item.timer = window.setTimeout(function () {
      if (self.pending[clientId]) self.fail(clientId, "");
    }, ECHO_TIMEOUT);
  };

  P.resendPending = function () {
    var ids = Object.keys(this.pending);
    for (var i = 0; i < ids.length; i++) {
      var item = this.pending[ids[i]];
      if (item.kind === "image") continue;  // over HTTP: its own answer settles it
      if (item.kind === "message" && !this.conv) { this.fail(ids[i], this.t("error_not_found")); continue; }
      if (item.kind === "ask" && this.conv) item.kind = "message";
      this.transmit(ids[i]);  // the same client_id: stored once even if the first one got through
    }
  };

  P.settle = function (clientId, replaced) {
    var item = this.pending[clientId];
    if (!item) return;
    window.clearTimeout(item.timer);
    delete this.pending[clientId];
    if (!replaced && item.node) {
      item.node.classList.remove("is-sending", "is-failed");
      var state = item.node.querySelector(".chatmsg__state");
      if (state) state.textContent = "";
    }
  };

  P.fail = function (clientId, reason) {
    var self = this;
    var item = this.pending[clientId];
    if (!item) return;
    window.clearTimeout(item.timer);
    if (item.kind === "ask") this.hideThinking();
    var node = item.node;
    node.classList.remove("is-sending");
    node.classList.add("is-failed");
    var state = node.querySelector(".chatmsg__state");
    state.textContent = this.t("not_sent") + (reason ? " · " + reason : "");
    if (item.kind === "image" || node.querySelector(".chatmsg__retry")) return;
    var retry = make("button", "linkbtn chatmsg__retry", this.t("retry"));
    retry.type = "button";
    retry.addEventListener("click", function () { self.transmit(clientId); });
    node.querySelector(".chatmsg__meta").appendChild(retry);
  };

  P.showError = function (text) {
    this.el.error.textContent = text || "";
  };

  P.typed = function () {
    if (this.phase !== "active" || !this.el.input.value) return;
    var now = Date.now();
    if (now - this.typedAt < TYPING_EVERY) return;
    this.typedAt = now;
    this.send({type: "typing", ref: this.nextRef("typing")});
  };

  P.markRead = function () {
    if (!this.conv || document.visibilityState !== "visible") return;
    var others = this.el.messages.querySelectorAll('[data-id]:not([data-sender="customer"])');
    var latest = 0;
    for (var i = 0; i < others.length; i++) {
      latest = Math.max(latest, parseInt(others[i].getAttribute("data-id"), 10) || 0);
    }
    if (latest > this.readSent && this.send({type: "read", up_to: latest, ref: this.nextRef("read")})) {
      this.readSent = latest;
    }
  };

  // ---- a person, the line, a message left -----------------------------------------------------------------------

  P.startChat = function () {
    if (this.conv || this.startRef) return;
    this.showError("");
    this.el.leave.hidden = true;
    var frame = {type: "start", client_id: newId()};
    if (this.el.skill.value) frame.skill = this.el.skill.value;
    if (this.el.order.value) frame.order = this.el.order.value;
    frame.ref = this.nextRef("start");
    if (!this.send(frame)) { this.showError(this.t("error_offline")); this.render(); return; }
    this.startRef = frame.ref;
    this.render();
  };

  P.openLeave = function (notice) {
    this.el["leave-notice"].textContent = notice || this.t("nobody_online");
    this.el["leave-error"].textContent = "";
    this.el.leave.hidden = false;
    this.hideLeft();
    this.el["leave-body"].focus();
  };

  P.hideLeft = function () {
    this.el.left.hidden = true;
  };

  P.leaveMessage = function () {
    var body = this.el["leave-body"].value.trim();
    this.el["leave-error"].textContent = "";
    if (!body && !this.conv) { this.el["leave-error"].textContent = this.t("leave_required"); return; }
    if (body.length > MESSAGE_LIMIT) {
      this.el["leave-error"].textContent = this.t("too_long", {n: MESSAGE_LIMIT});
      return;
    }
    var frame = {type: "leave_message", client_id: newId()};
    if (body) frame.body = body;
    if (!this.conv) {
      if (this.el.skill.value) frame.skill = this.el.skill.value;  // none: the server chooses, as for "start"
      if (this.el.order.value) frame.order = this.el.order.value;
    }
    frame.ref = this.nextRef("leave");
    if (!this.send(frame)) { this.el["leave-error"].textContent = this.t("error_offline"); return; }
    this.leaveRef = frame.ref;
    if (body) {
      var li = this.bubble("customer", this.t("you"));
      li.classList.add("is-sending");
      li.setAttribute("data-client-id", frame.client_id);
      this.body(li, body);
      li.querySelector(".chatmsg__state").textContent = this.t("sending");
      this.append(li);
      this.leaveNode = li;
    }
  };

  P.endConfirm = function (show) {
    this.el["end-confirm"].hidden = !show;
    this.el["end-ask"].hidden = !!show;
    if (show) this.el["end-yes"].focus();
  };

  P.endChat = function () {
    this.endConfirm(false);
    if (!this.conv) return;
    if (!this.send({type: "end", ref: this.nextRef("end")})) this.showError(this.t("error_offline"));
  };

  // ---- images over HTTP -----------------------------------------------------------------------------------------

  P.sendImage = function (file) {
    var self = this;
    this.showError("");
    if (!file || !this.conv) return;
    if (["image/jpeg", "image/png", "image/webp"].indexOf(file.type) < 0) {
      this.showError(this.t("image_type"));
      return;
    }
    var max = this.cfg.image_max_bytes || 5 * 1024 * 1024;
    if (file.size > max) {
      this.showError(this.t("image_too_big", {n: Math.round(max / 1024 / 1024)}));
      return;
    }
    var clientId = newId();
    var preview = URL.createObjectURL(file);
    var li = this.bubble("customer", this.t("you"));
    li.classList.add("is-sending");
    li.setAttribute("data-client-id", clientId);
    li.setAttribute("data-key", "c" + clientId);
    this.image(li, preview);
    li.querySelector(".chatmsg__state").textContent = this.t("sending");
    this.append(li);
    this.pending[clientId] = {kind: "image", node: li};
    var form = new FormData();
    form.append("image", file);
    form.append("client_id", clientId);
    var url = this.cfg.image_url.replace(this.cfg.slots.chat, encodeURIComponent(this.conv.number));
    fetch(url, {method: "POST", body: form, credentials: "same-origin",
                headers: {"X-CSRFToken": this.cfg.csrf_token, "Accept": "application/json"}})
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok) throw new Error(detail(data) || String(response.status));
          return data;
        });
      })
      .then(function (message) {
        if (message && message.id && self.pending[clientId]) self.showMessage(message);
        URL.revokeObjectURL(preview);
      })
      .catch(function (err) {
        var reason = self.t("image_failed", {reason: err.message});
        self.fail(clientId, "");
        self.showError(reason);
      });
  };

  function detail(data) {
    if (!data) return "";
    if (typeof data.detail === "string") return data.detail;
    if (Array.isArray(data.detail) && data.detail[0]) return data.detail[0].msg || "";
    return data.message || "";
  }

  function cssEscape(value) {
    return window.CSS && window.CSS.escape ? window.CSS.escape(value) : String(value).replace(/["\\]/g, "\\$&");
  }

  // ---- the page's controls ------------------------------------------------------------------------------------

  P.bind = function () {
    var self = this;
    this.el.composer.addEventListener("submit", function (e) { e.preventDefault(); self.submit(); });
    this.el.input.addEventListener("keydown", function (e) {
      // Enter sends; Shift+Enter is a new line; Enter while an IME is composing picks the characters.
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        self.submit();
      }
    });
    this.el.input.addEventListener("input", function () { self.typed(); });
    this.el.handoff.addEventListener("click", function () { self.startChat(); });
    this.el["leave-offer"].addEventListener("click", function () { self.openLeave(self.t("nobody_online")); });
    this.el.leave.addEventListener("submit", function (e) { e.preventDefault(); self.leaveMessage(); });
    this.el["leave-cancel"].addEventListener("click", function () {
      self.el.leave.hidden = true;
      self.el.input.focus();
    });
    this.el["end-ask"].addEventListener("click", function () { self.endConfirm(true); });
    this.el["end-no"].addEventListener("click", function () { self.endConfirm(false); self.el["end-ask"].focus(); });
    this.el["end-yes"].addEventListener("click", function () { self.endChat(); });
    this.el.image.addEventListener("change", function () {
      var file = self.el.image.files && self.el.image.files[0];
      self.el.image.value = "";
      self.sendImage(file);
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState !== "visible") return;
      self.reconnectNow();
      self.markRead();
    });
    window.addEventListener("focus", function () { self.markRead(); });
    window.addEventListener("online", function () { self.reconnectNow(); });
  };

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector("[data-testid=chat-window]");
    var script = document.getElementById("chat-config");
    if (!root || !script) return;
    var config;
    try { config = JSON.parse(script.textContent); } catch (e) { return; }
    window.kefuChat = new ChatWindow(root, config);
  });
})();
