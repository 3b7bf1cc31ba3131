"""``[targets.NAME.inbox] imap_url`` is a secret setting the IMAP inbox reads first; the older
``<TARGET>_INBOX_IMAP_URL`` environment variable still works when the file has none."""

from __future__ import annotations

from pathlib import Path

import pytest

from postmigration.config import Environment, Target, load_target, read_config_file
from postmigration.errors import MalformedConfigError
from postmigration.inbox import ImapInbox, email_inbox

IMAP_PASSWORD = "imap-pass-1q2w3e"


def _target(tmp_path: Path, inbox: str, environ: dict[str, str]) -> Target:
    path = tmp_path / "postmigration.toml"
    path.write_text(
        '[targets.new]\nsupabase_url = "https://x.supabase.co"\nanon_key = "a-key"\n'
        f'service_role_key = "s-key"\n\n[targets.new.inbox]\n{inbox}'
    )
    return load_target("new", read_config_file(path, "test"), Environment(environ))


def test_imap_url_from_the_file_is_read_first_and_kept_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"imaps://reader:{IMAP_PASSWORD}@mail.example.com/INBOX"
    monkeypatch.setenv("NEW_INBOX_IMAP_URL", "imaps://other:pw@elsewhere.example.com")
    target = _target(tmp_path, 'email = "imap"\nimap_url = "${MY_IMAP}"\n', {"MY_IMAP": url})
    assert target.inbox.imap_url == url
    assert target.sources["inbox.imap_url"] == "${MY_IMAP} in postmigration.toml"
    inbox = email_inbox(target)
    assert isinstance(inbox, ImapInbox)
    assert (inbox.host, inbox.user, inbox.mailbox) == ("mail.example.com", "reader", "INBOX")
    assert url in target.secrets and IMAP_PASSWORD in target.secrets
    assert IMAP_PASSWORD not in repr(target)


def test_the_environment_variable_still_works_without_a_file_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEW_INBOX_IMAP_URL", f"imap://reader:{IMAP_PASSWORD}@127.0.0.1:1143")
    target = _target(tmp_path, 'email = "imap"\n', {})
    assert target.inbox.imap_url is None
    inbox = email_inbox(target)
    assert isinstance(inbox, ImapInbox)
    assert (inbox.host, inbox.port, inbox.tls) == ("127.0.0.1", 1143, False)


def test_no_imap_url_anywhere_means_no_inbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEW_INBOX_IMAP_URL", raising=False)
    assert email_inbox(_target(tmp_path, 'email = "imap"\n', {})) is None


@pytest.mark.parametrize("setting", ["imap_url", "imap_ulr"])
def test_imap_url_is_a_known_inbox_setting(tmp_path: Path, setting: str) -> None:
    """imap_url is accepted; a misspelling is refused naming imap_url among the known ones."""
    inbox = f'{setting} = "imaps://u:p@h/INBOX"\n'
    if setting == "imap_url":
        assert _target(tmp_path, inbox, {}).inbox.imap_url == "imaps://u:p@h/INBOX"
        return
    with pytest.raises(MalformedConfigError, match=r"unknown setting 'imap_ulr' .*imap_url"):
        _target(tmp_path, inbox, {})
