// Glowgrove seminar console: speaks docs/seminar-protocol.md over a WebSocket to the same server.
// Plain JS, no build step, no network access beyond its own server. Commands carry a request id
// and are re-sent after a reconnect until acknowledged; the server never applies one twice.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const state = {
    ws: null,
    token: null,
    sessionId: null,
    session: null,
    room: null,
    roster: [],
    tally: null,
    pending: new Map(),
    backoff: 500,
    serverOffset: 0,
  };

  function requestId() {
    const bytes = new Uint8Array(8);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function setStatus(text) { $("status").textContent = text; }

  function show(section) {
    for (const id of ["login", "sessions", "session"]) $(id).hidden = id !== section;
  }

  function send(message) {
    message.v = 1;
    if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(message));
  }

  function command(type, fields) {
    const message = Object.assign({ type: type, request_id: requestId() }, fields || {});
    state.pending.set(message.request_id, message);
    $("command-error").textContent = "";
    send(message);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(scheme + "//" + location.host + "/ws");
    state.ws = ws;
    setStatus("connecting…");
    ws.onopen = () => {
      state.backoff = 500;
      setStatus("connected");
      send({ type: "organizer", token: state.token, session_id: state.sessionId });
    };
    ws.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch (error) { return; }
      handle(message);
    };
    ws.onclose = () => {
      state.ws = null;
      if (state.token === null) return;
      setStatus("reconnecting…");
      setTimeout(connect, state.backoff);
      state.backoff = Math.min(8000, state.backoff * 2);
    };
  }

  function handle(message) {
    switch (message.type) {
      case "organizer_welcome":
        state.serverOffset = message.server_time - Date.now() / 1000;
        renderSessions(message.sessions);
        if (message.session) {
          state.session = message.session;
          state.sessionId = message.session.session_id;
          sessionStorage.setItem("glowgrove-session", state.sessionId);
          state.room = message.state;
          renderSession(message.join_url);
          show("session");
          // Re-send commands the server may not have seen before the connection dropped.
          for (const pending of state.pending.values()) send(pending);
        } else {
          show("sessions");
        }
        break;
      case "ack":
        state.pending.delete(message.request_id);
        if (message.session) { state.sessionId = message.session.session_id; }
        break;
      case "update":
        if (state.room && message.seq === state.room.seq + 1) {
          applyChange(message.change);
          state.room.seq = message.seq;
          renderRoom();
        } else if (state.room && message.seq > state.room.seq + 1) {
          state.ws.close(); // a gap: reconnect and take the snapshot
        }
        break;
      case "roster":
        state.roster = message.participants;
        renderRoster();
        break;
      case "tally":
        state.tally = message;
        renderPoll();
        break;
      case "error":
        if (message.code === "bad_token") {
          state.token = null;
          sessionStorage.removeItem("glowgrove-token");
          $("login-error").textContent = "That token is not right. Check what 'glowgrove serve' printed.";
          show("login");
        } else {
          $("command-error").textContent = message.message;
          for (const key of state.pending.keys()) state.pending.delete(key);
        }
        break;
    }
  }

  function applyChange(change) {
    const room = state.room;
    switch (change.kind) {
      case "scene": room.scene = change.scene; break;
      case "paused": room.paused = change.paused; break;
      case "blank": room.blank = change.blank; break;
      case "beacon": room.beacon = change.beacon; break;
      case "poll":
        if (!change.poll || !room.poll || change.poll.poll_id !== room.poll.poll_id) state.tally = null;
        room.poll = change.poll; break;
      case "timer": room.timer = change.timer; break;
      case "glow": room.glow = change.glow; room.completions = change.completions; break;
      case "ended": room.ended = true; room.timer = null; room.paused = false; room.blank = false; break;
    }
  }

  function renderSessions(sessions) {
    const list = $("session-list");
    list.textContent = "";
    for (const session of sessions.slice().reverse()) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = session.title + " (" + session.code + ")" + (session.ended ? " - ended" : "");
      button.addEventListener("click", () => {
        state.sessionId = session.session_id;
        send({ type: "organizer", token: state.token, session_id: session.session_id });
      });
      item.appendChild(button);
      list.appendChild(item);
    }
  }

  function renderSession(joinUrl) {
    const session = state.session;
    $("session-title").textContent = session.title;
    $("room-code").textContent = session.code;
    $("qr").src = "/qr/" + encodeURIComponent(session.code) + ".svg";
    $("join-url").textContent = joinUrl || "";
    const report = "/report/" + encodeURIComponent(session.session_id);
    $("report-link").href = report + ".html?key=" + encodeURIComponent(session.report_key || "");
    renderRoom();
    renderRoster();
  }

  function renderRoom() {
    const room = state.room;
    if (!room) return;
    const scene = room.scene;
    $("current-scene").textContent = scene ? scene.kind + " " + scene.ref + (scene.scene ? " / " + scene.scene : "") : "-";
    $("pause").setAttribute("aria-pressed", String(room.paused));
    $("pause").textContent = room.paused ? "Resume all" : "Pause all";
    $("blank").setAttribute("aria-pressed", String(room.blank));
    $("blank").textContent = room.blank ? "Show headsets" : "Blank headsets";
    $("ended-note").hidden = !room.ended;
    for (const id of ["scene-form", "beacon-form", "timer-form", "poll-form"]) {
      for (const element of $(id).elements) element.disabled = room.ended;
    }
    $("end").hidden = room.ended;
    $("end-confirm").hidden = true;
    renderPoll();
    renderTimer();
  }

  function renderRoster() {
    const list = $("roster");
    list.textContent = "";
    let present = 0;
    for (const person of state.roster) {
      const item = document.createElement("li");
      item.textContent = person.nickname;
      item.className = person.connected ? "connected" : "away";
      item.title = person.connected ? "connected" : "disconnected";
      if (person.connected) present += 1;
      list.appendChild(item);
    }
    $("present-count").textContent = String(present);
  }

  function renderPoll() {
    const room = state.room;
    const chart = $("poll-chart");
    chart.textContent = "";
    const poll = room && room.poll;
    if (!poll) {
      $("poll-question-now").textContent = "";
      $("poll-voters").textContent = "";
      chart.setAttribute("height", "0");
      return;
    }
    $("poll-question-now").textContent = poll.question + (poll.open ? " (open)" : " (closed)");
    const counts = state.tally && state.tally.poll_id === poll.poll_id ? state.tally.counts : poll.options.map(() => 0);
    const most = Math.max(1, ...counts);
    const rowHeight = 34;
    chart.setAttribute("height", String(rowHeight * poll.options.length));
    const ns = "http://www.w3.org/2000/svg";
    poll.options.forEach((option, index) => {
      const y = index * rowHeight;
      const label = document.createElementNS(ns, "text");
      label.setAttribute("x", "0");
      label.setAttribute("y", String(y + 22));
      label.textContent = option;
      const bar = document.createElementNS(ns, "rect");
      bar.setAttribute("x", "40%");
      bar.setAttribute("y", String(y + 6));
      bar.setAttribute("height", "22");
      bar.setAttribute("rx", "4");
      bar.setAttribute("fill", "#2bd9a8");
      bar.setAttribute("width", String((50 * counts[index]) / most) + "%");
      bar.setAttribute("data-count", String(counts[index]));
      const count = document.createElementNS(ns, "text");
      count.setAttribute("x", "92%");
      count.setAttribute("y", String(y + 22));
      count.textContent = String(counts[index]);
      chart.append(label, bar, count);
    });
    const voters = state.tally && state.tally.poll_id === poll.poll_id ? state.tally.voters : 0;
    $("poll-voters").textContent = voters + " vote(s)";
  }

  function renderTimer() {
    const room = state.room;
    const timer = room && room.timer;
    if (!timer) { $("timer").textContent = "–"; return; }
    const now = Date.now() / 1000 + state.serverOffset;
    const left = Math.max(0, Math.round(timer.started_at + timer.seconds - now));
    $("timer").textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
  }

  function wire() {
    $("login-form").addEventListener("submit", (event) => {
      event.preventDefault();
      state.token = $("token").value.trim();
      sessionStorage.setItem("glowgrove-token", state.token);
      $("login-error").textContent = "";
      if (state.ws) state.ws.close(); else connect();
    });
    $("create-form").addEventListener("submit", (event) => {
      event.preventDefault();
      send({ type: "create_session", request_id: requestId(), title: $("title").value.trim() });
    });
    $("scene-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const scene = { kind: $("scene-kind").value, ref: $("scene-ref").value.trim() };
      if ($("scene-scene").value.trim()) scene.scene = $("scene-scene").value.trim();
      command("push_scene", { scene: scene });
    });
    $("pause").addEventListener("click", () => command("pause", { paused: !state.room.paused }));
    $("blank").addEventListener("click", () => command("blank", { blank: !state.room.blank }));
    $("beacon-form").addEventListener("submit", (event) => {
      event.preventDefault();
      command("beacon", { beacon: {
        x: Number($("beacon-x").value), y: Number($("beacon-y").value),
        z: Number($("beacon-z").value), label: $("beacon-label").value.trim() } });
    });
    $("beacon-clear").addEventListener("click", () => command("beacon_clear"));
    $("timer-form").addEventListener("submit", (event) => {
      event.preventDefault();
      command("timer_start", { seconds: Math.max(1, Math.round(Number($("timer-minutes").value) * 60)) });
    });
    $("timer-stop").addEventListener("click", () => command("timer_stop"));
    $("poll-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const options = $("poll-options").value.split("\n").map((line) => line.trim()).filter(Boolean);
      if (options.length < 2 || options.length > 8) {
        $("command-error").textContent = "A poll needs 2 to 8 options, one a line.";
        return;
      }
      command("poll_open", { question: $("poll-question").value.trim(), options: options });
    });
    $("poll-close").addEventListener("click", () => command("poll_close"));
    $("end").addEventListener("click", () => { $("end").hidden = true; $("end-confirm").hidden = false; });
    $("end-confirm").addEventListener("click", () => command("end_session"));
    $("leave").addEventListener("click", () => {
      state.sessionId = null;
      sessionStorage.removeItem("glowgrove-session");
      if (state.ws) state.ws.close();
    });
    setInterval(renderTimer, 1000);
  }

  function start() {
    wire();
    const fragment = new URLSearchParams(location.hash.slice(1));
    if (fragment.get("token")) {
      sessionStorage.setItem("glowgrove-token", fragment.get("token"));
      history.replaceState(null, "", location.pathname + location.search);
    }
    state.token = sessionStorage.getItem("glowgrove-token");
    state.sessionId = sessionStorage.getItem("glowgrove-session");
    if (state.token) connect(); else { setStatus("signed out"); show("login"); }
  }

  document.addEventListener("DOMContentLoaded", start);
})();
