"""The TeamPanel widget: tabs for sessions, runs, a comparison of runs, datastores and the
team, with the actions people use. Every request is async on the kernel's event loop, so the
kernel never freezes; someone else's rows offer no Stop/Delete, and what the team server
refuses is shown as its message."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable
from pathlib import Path

import ipywidgets as w

from ..artifact_layout import is_complete, place
from ..client import GridClient, GridError, ServerError, Unreachable
from ..controls import visible
from ..job_poll import JobFailed, follow_job_async
from ..log_follow import log_pages_async
from ..models import RUN_STATUSES, SESSION_STATUSES, Datastore, Experiment, Run, Session
from ..references import EXPERIMENT, RUN, Ref
from . import rows
from .compare_view import CompareView
from .connection import Connection, connect
from .downloads import DownloadForm, landing

STATUSES = ["any"] + sorted(set(RUN_STATUSES) | set(SESSION_STATUSES))
FOLLOW_WAIT = 10.0


def _esc(value) -> str:
    return html.escape(str(value))


class TeamPanel(w.VBox):
    """The team in a notebook: ``TeamPanel()`` (credentials as for ``grid``)."""

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        *,
        auto_refresh: int = 0,
        download_dir: str = "grid_artifacts",
        connection: Connection | None = None,
    ):
        self.conn = connection or connect(url, api_key)
        self.client = self.conn.client
        self.me: str | None = None
        self.context: dict | None = None
        self.tasks: set[asyncio.Task] = set()
        self._log_task: asyncio.Task | None = None
        # fixed widths keep the toolbar on one line in a narrow notebook
        self.scope = w.ToggleButtons(
            options=[("mine", "mine"), ("team", "team")],
            value="team",
            style={"button_width": "56px"},
            layout=w.Layout(width="130px", flex="0 0 auto"),
            tooltips=["my own", "everyone in my teams"],
        )
        self.member = w.Dropdown(
            options=[("everyone", "")],
            value="",
            description="Member",
            layout=w.Layout(width="220px"),
        )
        self.status = w.Dropdown(
            options=STATUSES, value="any", description="Status", layout=w.Layout(width="200px")
        )
        self.refresh_button = w.Button(description="Refresh", icon="refresh")
        self.auto = w.BoundedIntText(
            value=auto_refresh,
            min=0,
            max=3600,
            description="Auto (s)",
            layout=w.Layout(width="150px"),
        )
        self.message = w.HTML()
        self.retry = w.Button(description="Retry", layout=w.Layout(display="none"))
        self.sessions = w.VBox()
        self.runs = w.VBox()
        self.datastores = w.VBox()
        self.team = w.HTML()
        # runs and experiments ticked "compare" in the Runs tab, or typed in the view
        self.compare_view = CompareView(self.client, self.spawn, on_change=self._compared)
        self._compare_boxes: dict[Ref, list[w.Checkbox]] = {}
        self.tabs = w.Tab(
            children=[
                self.sessions,
                self.runs,
                self.compare_view,
                self.datastores,
                w.VBox([self.team]),
            ]
        )
        for i, title in enumerate(("Sessions", "Runs", "Compare", "Datastores", "Team")):
            self.tabs.set_title(i, title)
        # a download asks for its folder first (download_dir, then the last one chosen)
        self.download_form = DownloadForm(download_dir, in_session=self.conn.via == "extension")
        self.download_form.start.on_click(lambda _b: self.spawn(self._download_asked()))
        self.progress = w.FloatProgress(min=0, max=1, layout=w.Layout(display="none"))
        self.logs = w.Output(layout=w.Layout(max_height="300px", overflow="auto"))
        for control in (self.scope, self.member, self.status):
            control.observe(lambda _change: self.spawn(self.refresh()), names="value")
        self.refresh_button.on_click(lambda _b: self.spawn(self.refresh()))
        self.retry.on_click(lambda _b: self.spawn(self.refresh()))
        self.auto.observe(lambda _change: self._schedule_auto(), names="value")
        super().__init__(
            [
                w.HBox([self.scope, self.member, self.status, self.refresh_button, self.auto]),
                w.HBox([self.message, self.retry]),
                self.download_form,
                self.tabs,
                self.progress,
                self.logs,
            ]
        )
        self._auto_task: asyncio.Task | None = None
        self.spawn(self.refresh())
        self._schedule_auto()

    # ------------------------------------------------------------- async plumbing
    def spawn(self, coro: Awaitable) -> asyncio.Task | None:
        """Run ``coro`` on the kernel's loop without blocking it (kept until done)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            try:
                loop = asyncio.get_event_loop()
            except RuntimeError:
                coro.close()
                return None
        task = loop.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task) -> None:
        # a bug or an unexpected failure still reaches the user as one line, not a
        # "Task exception was never retrieved" in the server log
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            self.say(_esc(f"unexpected error: {type(exc).__name__}: {exc}"), error=True)

    def close(self) -> None:
        """Stop loading, following, comparing and auto-refresh, and release the HTTP
        connections."""
        self.compare_view.close()
        for task in list(self.tasks):
            task.cancel()
        client = self.client
        try:
            asyncio.get_running_loop().create_task(client.aclose())
        except RuntimeError:
            pass  # no loop running: the pool goes with the process
        super().close()

    def _schedule_auto(self) -> None:
        if self._auto_task is not None:
            self._auto_task.cancel()
            self._auto_task = None
        if self.auto.value:
            self._auto_task = self.spawn(self._auto_loop(self.auto.value))

    async def _auto_loop(self, seconds: int) -> None:
        while True:
            await asyncio.sleep(seconds)
            await self.refresh()

    def fail(self, exc: GridError) -> None:
        """Show a failure as its message; offer Retry when the team server is out of reach
        (directly, or behind the extension, which answers 502/504 naming the team server)."""
        self.say(_esc(exc.message), error=True)
        if isinstance(exc, Unreachable) or (
            isinstance(exc, ServerError) and exc.status in (502, 503, 504)
        ):
            self.retry.layout.display = ""

    def say(self, text: str, error: bool = False) -> None:
        color = "var(--jp-error-color1, #d32f2f)" if error else "inherit"
        self.message.value = f'<span style="color:{color}">{text}</span>' if text else ""

    async def act(
        self, what: Callable[[], Awaitable], done: str | None = None, refresh: bool = True
    ) -> None:
        """Run one action; its refusal or failure is a message, never a traceback."""
        try:
            result = await what()
        except GridError as exc:
            self.fail(exc)
            return
        if done:
            self.say(done(result) if callable(done) else done)
        if refresh:
            await self.refresh(keep_message=True)

    # ------------------------------------------------------------- loading
    def _scope(self) -> str:
        if self.member.value:
            return f"user={self.member.value}"
        return self.scope.value

    async def refresh(self, keep_message: bool = False) -> None:
        try:
            if self.me is None:
                self.me = (await self.client.me()).username
                if self.conn.via == "extension":
                    self.context = (await self.client.send("GET", "/context")).json()
            scope, status = self._scope(), self.status.value
            sessions = (
                (
                    await self.client.list_sessions(
                        scope=scope, status=status if status in SESSION_STATUSES else None
                    )
                ).items
                if status == "any" or status in SESSION_STATUSES
                else []
            )
            runs = (
                (
                    await self.client.list_runs(
                        scope=scope, status=status if status in RUN_STATUSES else None
                    )
                ).items
                if status == "any" or status in RUN_STATUSES
                else []
            )
            datastores = (await self.client.list_datastores(scope=scope)).items
            teams = [await self.client.team(t.name) for t in await self.client.list_teams()]
        except GridError as exc:
            self.fail(exc)
            return
        self.retry.layout.display = "none"
        if not keep_message:
            self.say(self._banner())
        members = sorted({m.username for t in teams for m in t.members} - {self.me})
        options = [("everyone", "")] + [(m, m) for m in members]
        if self.member.options != tuple(options):
            self.member.unobserve_all("value")
            self.member.options = options
            self.member.observe(lambda _change: self.spawn(self.refresh()), names="value")
        self.sessions.children = [self._session_row(s) for s in sessions] or [
            w.HTML("<i>No sessions.</i>")
        ]
        self._compare_boxes = {}
        self.runs.children = [self._run_row(r) for r in runs] or [w.HTML("<i>No runs.</i>")]
        self.datastores.children = [self._datastore_row(d) for d in datastores] or [
            w.HTML("<i>No datastores.</i>")
        ]
        self.team.value = self._team_html(teams)

    def _banner(self) -> str:
        if self.context and self.context.get("banner"):
            return _esc(self.context["banner"])
        return f"{_esc(self.me)} · via {self.conn.via} {_esc(self.conn.where)}"

    # ------------------------------------------------------------- rows
    def _buttons(self, actions: list[str], handlers: dict[str, Callable]) -> list[w.Button]:
        made = []
        for name in actions:
            button = w.Button(
                description=name,
                layout=w.Layout(width="auto"),
                button_style="danger" if name in ("Delete", "Stop") else "",
            )
            button.on_click(lambda _b, f=handlers[name]: self.spawn(f()))
            made.append(button)
        return made

    def _session_row(self, s: Session) -> w.HBox:
        ref = f"{s.owner}:{s.name}"
        mounted = ", ".join(s.datastores) or "none"
        label = w.HTML(
            f"<b>{_esc(s.name)}</b> · {_esc(s.owner)} · {_esc(s.status)} · "
            f"{rows.duration(s.duration_seconds)} · {_esc(s.instance_type)} · "
            f"datastores: {_esc(mounted)} · visitors: {rows.visitors_label(s)} · "
            f"git: {_esc(rows.github_identity(s))}"
        )
        handlers = {
            "Open": lambda: self._open(s),
            "Pause": lambda: self.act(
                lambda: self.client.session_action(ref, "pause"), f"paused {ref}"
            ),
            "Resume": lambda: self.act(
                lambda: self.client.session_action(ref, "resume"), f"resumed {ref}"
            ),
            "Stop": lambda: self.act(
                lambda: self.client.session_action(ref, "stop"), f"stopped {ref}"
            ),
            "Delete": lambda: self.act(lambda: self.client.delete_session(ref), f"deleted {ref}"),
        }
        return w.HBox([label, *self._buttons(rows.session_actions(s, self.me), handlers)])

    async def _open(self, s: Session) -> None:
        async def opened():
            return await self.client.open_session(f"{s.owner}:{s.name}")

        def link(out: dict) -> str:
            warning = rows.open_warning(s, self.me)
            return (
                f'<a href="{_esc(out["url"])}" target="_blank" rel="noopener">Open '
                f"{_esc(s.owner)}'s session “{_esc(s.name)}” in a new tab</a>"
                + (f" — {_esc(warning)} The link works once, for a short while." if warning else "")
            )

        await self.act(opened, link, refresh=False)

    def _run_row(self, r: Run) -> w.VBox:
        # the row knows its kind: a run (whatever its name), passed on as a value
        ref = Ref(RUN, r.name, r.owner)
        experiments = w.VBox(layout=w.Layout(margin="0 0 0 2em", display="none"))
        expand = w.Button(
            description="▸", layout=w.Layout(width="2.5em"), tooltip="Show its experiments"
        )
        label = w.HTML(
            f"<b>{_esc(r.name)}</b> · {_esc(r.owner)} · {_esc(r.status)} · "
            f"{_esc(rows.counts(r))} · {rows.duration(r.duration_seconds)}"
        )

        async def toggle() -> None:
            if experiments.layout.display == "none":
                try:
                    _run, exps = await self.client.run(ref)
                except GridError as exc:
                    self.fail(exc)
                    return
                experiments.children = [self._experiment_row(e) for e in exps]
                experiments.layout.display = ""
                expand.description = "▾"
            else:
                experiments.layout.display = "none"
                expand.description = "▸"

        expand.on_click(lambda _b: self.spawn(toggle()))
        handlers = {
            "Download artifacts": lambda: self._ask_download(ref),
            "Clone": lambda: self._clone(ref),
            "Stop": lambda: self.act(lambda: self.client.stop_run(ref), f"stopped {ref}"),
            "Delete": lambda: self.act(lambda: self.client.delete_run(ref), f"deleted {ref}"),
        }
        head = w.HBox(
            [
                expand,
                self._compare_box(ref),
                label,
                *self._buttons(rows.run_actions(r, self.me), handlers),
            ]
        )
        return w.VBox([head, experiments])

    def _experiment_row(self, e: Experiment) -> w.HBox:
        ref = Ref(EXPERIMENT, e.name, e.owner)
        params = " ".join(f"{k}={v}" for k, v in (e.params or {}).items())
        label = w.HTML(
            f"{_esc(e.name)} · {_esc(e.status)}"
            + (f" (exit {e.exit_code})" if e.exit_code else "")
            + f" · {_esc(params)} · {rows.duration(e.duration_seconds)}"
        )
        handlers = {
            "Logs": lambda: self._follow(ref),
            "Download": lambda: self._ask_download(ref),
            "Clone": lambda: self._clone(ref),
            "Stop": lambda: self.act(lambda: self.client.stop_experiment(ref), f"stopped {ref}"),
        }
        return w.HBox(
            [
                self._compare_box(ref),
                label,
                *self._buttons(rows.experiment_actions(e.owner, e.status, self.me), handlers),
            ]
        )

    def _datastore_row(self, d: Datastore) -> w.HBox:
        ref = f"{d.owner}:{d.name}@{d.version}"
        label = w.HTML(
            f"<b>{_esc(d.name)}</b> v{d.version} · {rows.size(d.size)} · "
            f"{d.file_count} files · {_esc(d.owner)} · {_esc(d.status)}"
        )
        handlers = {
            "Attach": lambda: self._attach(ref),
            "Delete": lambda: self.act(lambda: self.client.delete_datastore(ref), f"deleted {ref}"),
        }
        return w.HBox([label, *self._buttons(rows.datastore_actions(d, self.me), handlers)])

    def _team_html(self, teams) -> str:
        if not teams:
            return "<i>You are in no team yet.</i>"
        parts = []
        for t in teams:
            members = "".join(
                f"<tr><td>{_esc(m.username)}</td><td>{_esc(m.role)}</td></tr>" for m in t.members
            )
            parts.append(
                f"<h4>{_esc(t.name)}</h4><p>your role: {_esc(t.role)} · "
                f"credits left: <b>{t.balance:.2f}</b></p>"
                f"<table><tr><th>member</th><th>role</th></tr>{members}</table>"
            )
        return "".join(parts)

    # ------------------------------------------------------------- comparing
    def compare(self, *refs: str | Ref) -> TeamPanel:
        """Compare runs and experiments, anyone's in my teams, in the Compare tab:
        ``TeamPanel().compare("alice:mnist-sweep", "bob:lr-too-high")``."""
        self.compare_view.add(*refs)
        self.tabs.selected_index = self.tabs.children.index(self.compare_view)
        return self

    def _compare_box(self, ref: Ref) -> w.Checkbox:
        """A row's "compare" tick: in the Compare tab while ticked."""
        box = w.Checkbox(
            value=self.compare_view.has(ref),
            description="compare",
            indent=False,
            tooltip=f"Show {ref} in the Compare tab",
            layout=w.Layout(width="auto", flex="0 0 auto"),
        )

        def ticked(change: dict) -> None:
            if change["new"] and not self.compare_view.has(ref):
                self.compare_view.add(ref)
            elif not change["new"] and self.compare_view.has(ref):
                self.compare_view.remove(ref)

        box.observe(ticked, names="value")
        self._compare_boxes.setdefault(ref, []).append(box)
        return box

    def _compared(self) -> None:
        """What is compared changed (a tick, a reference typed or removed): the rows' ticks
        and the tab's title follow."""
        for ref, boxes in self._compare_boxes.items():
            for box in boxes:
                box.value = self.compare_view.has(ref)
        n = len(self.compare_view.refs)
        index = self.tabs.children.index(self.compare_view)
        self.tabs.set_title(index, f"Compare ({n})" if n else "Compare")

    # ------------------------------------------------------------- actions
    async def _follow(self, ref: Ref) -> None:
        """Show one experiment's logs: a new Logs click stops following the previous one."""
        if self._log_task is not None and not self._log_task.done():
            self._log_task.cancel()
        self._log_task = asyncio.current_task()
        await self._logs(ref)

    async def _logs(self, ref: Ref) -> None:
        """The tail, then follow while the experiment runs."""
        self.logs.clear_output()
        self.logs.append_stdout(f"[{ref}: last 50 lines]\n")
        try:
            pages = log_pages_async(
                self.client.read_logs, ref, tail=50, follow=True, limit=None, wait=FOLLOW_WAIT
            )
            async for page in pages:
                for line in page["lines"]:
                    # the output area obeys ANSI escapes: a teammate's are shown instead
                    self.logs.append_stdout(visible(line.line) + "\n")
                if page["finished"]:
                    self.logs.append_stdout(f"[{ref} {page['status']}]\n")
        except GridError as exc:
            self.fail(exc)

    def _clone(self, ref: Ref) -> Awaitable:
        return self.act(
            lambda: self.client.clone(ref),
            lambda out: f"cloned {_esc(ref)} into {_esc(out[0].owner)}:{_esc(out[0].name)}",
        )

    async def _attach(self, ref: str) -> None:
        if self.conn.via == "extension":

            async def attach():
                job = (
                    await self.client.send("POST", "/datastores/attach", json={"ref": ref})
                ).json()
                if job["state"] == "running":  # a large download first: show the bar
                    self.progress.value = 0
                    self.progress.layout.display = ""
                    try:
                        job = await self._job_end(
                            job, "/datastores/attach", f"attaching {ref} failed"
                        )
                    finally:
                        self.progress.layout.display = "none"
                return job["path"]  # (an attach that fails at once is an HTTP error)
        else:
            from ..attach import attach_datastore

            def mount() -> str:
                with GridClient(self.client.url, _key(self.client)) as c:
                    return attach_datastore(ref, client=c)

            async def attach():
                return await asyncio.get_running_loop().run_in_executor(None, mount)

        await self.act(
            attach,
            lambda path: (
                f"attached {_esc(ref)}: read it in code as <code>{_esc(path)}</code> (read-only)"
            ),
            refresh=True,
        )

    async def _job_end(self, job: dict, path: str, failed: str) -> dict:
        """Follow a background job of the extension (at ``path/<id>``) to its end, moving the
        progress bar; a failed one is a GridError with its message (or ``failed``)."""

        async def fetch(job_id: str) -> dict:
            return (await self.client.send("GET", f"{path}/{job_id}")).json()

        def show(state: dict) -> None:
            self.progress.value = state.get("bytes_done", 0) / max(state.get("bytes_total", 0), 1)

        try:
            job = await follow_job_async(job, fetch, on_running=show, failed=failed)
        except JobFailed as exc:
            raise GridError(str(exc)) from None
        show(job)  # the final state: a finished download fills the bar
        return job

    async def _ask_download(self, ref: Ref) -> None:
        """Show where ``ref``'s artifacts would land; its Download button starts it."""
        self.download_form.ask(ref)

    async def _download_asked(self) -> None:
        """Download the asked-for artifacts into the chosen folder, with a progress bar."""
        ref, base = self.download_form.ref, self.download_form.base()
        if ref is None:
            return
        self.download_form.dismiss()
        self.progress.value = 0
        self.progress.layout.display = ""
        try:
            fetch = self._fetch_in_session if self.conn.via == "extension" else self._fetch_here
            await self.act(lambda: fetch(ref, base), lambda where: where, refresh=False)
        finally:
            self.progress.layout.display = "none"

    async def _fetch_in_session(self, ref: Ref, base: str) -> str:
        """The extension downloads into this session's file tree, as a job."""
        job = (
            await self.client.send(
                "POST",
                "/artifacts/fetch",
                # the row's kind, so the extension need not read it from the name
                json={"ref": str(ref), "kind": ref.kind, "dest": base},
            )
        ).json()
        job = await self._job_end(job, "/artifacts/fetch", "the download failed")
        # the folder is relative to the server's root: where the file browser shows it
        return (
            f"downloaded {job['files_done']} file(s) of {_esc(ref)} into "
            f"<code>{_esc(job['folder'])}/</code> (in this session's file browser)"
        )

    async def _fetch_here(self, ref: Ref, base: str) -> str:
        """Download on a worker thread into a folder of this machine, skipping files already
        complete."""
        plan = place(Path(base), [(str(ref), a) for a in await self.client.list_artifacts(ref)])
        total = sum(p.artifact.size for p in plan) or 1
        loop = asyncio.get_running_loop()

        def work() -> None:
            done = 0

            def progress(n: int) -> None:
                nonlocal done
                done += n
                loop.call_soon_threadsafe(setattr, self.progress, "value", done / total)

            with GridClient(self.client.url, _key(self.client)) as c:
                c._username = self.me
                for p in plan:
                    if is_complete(p.dest, p.artifact):
                        progress(p.artifact.size)
                    else:
                        c.download_artifact(p.experiment, p.artifact, p.dest, progress)

        await loop.run_in_executor(None, work)
        where = landing(base, ref, in_session=False)
        return f"downloaded {len(plan)} file(s) of {_esc(ref)} into <code>{_esc(where)}</code>"


def _key(client) -> str | None:
    auth = client.http.headers.get("Authorization", "")
    return auth.split(" ", 1)[1] if " " in auth else None
