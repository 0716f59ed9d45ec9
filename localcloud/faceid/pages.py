"""The verification page a browser opens from VerificationURL: three buttons instead of a camera.

A person (and the Playwright e2e test) chooses the outcome; the form posts back and the emulator
redirects to RedirectURL?token=BizToken as the real page does after "Next" (reference §5)."""

from html import escape

_STYLE = """
body { font-family: system-ui, sans-serif; background: #f4f6fa; margin: 0; }
main { max-width: 28rem; margin: 3rem auto; background: #fff; border-radius: 12px; padding: 2rem;
       box-shadow: 0 2px 12px rgba(0, 0, 0, .08); }
h1 { font-size: 1.3rem; margin-top: 0; }
p { color: #444; line-height: 1.5; }
code { font-size: .85rem; word-break: break-all; }
.choices { display: flex; gap: .75rem; margin-top: 1.5rem; }
button { flex: 1; font-size: 1rem; padding: .8rem; border: 0; border-radius: 8px; cursor: pointer;
         color: #fff; }
#pass { background: #1f8f4e; } #fail { background: #b5472d; } #spoof { background: #6a4bb3; }
"""


def _document(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )


def verification_page(token: str) -> str:
    return _document(
        "FaceID verification",
        "<h1>FaceID verification (local emulator)</h1>"
        "<p>The real page films the user's face here. Choose how this attempt ends; you will be sent "
        "back to the site that started the verification.</p>"
        f"<p>BizToken <code>{escape(token)}</code></p>"
        '<form method="post" action="/reflect/">'
        f'<input type="hidden" name="token" value="{escape(token)}">'
        '<div class="choices">'
        '<button type="submit" id="pass" name="outcome" value="pass">Pass</button>'
        '<button type="submit" id="fail" name="outcome" value="fail">Fail</button>'
        '<button type="submit" id="spoof" name="outcome" value="spoof">Spoof</button>'
        "</div></form>",
    )


def unknown_token_page() -> str:
    return _document(
        "Verification not found",
        "<h1>Verification not found</h1>"
        "<p>This link does not belong to any verification (invalid BizToken).</p>",
    )


def expired_page() -> str:
    return _document(
        "Verification expired",
        "<h1>Token expired</h1><p>This verification was not started within its validity period. "
        "Return to the site and start a new one.</p>",
    )


def completed_page() -> str:
    return _document(
        "Verification completed",
        "<h1>Verification has been completed</h1><p>This verification already has its result.</p>",
    )


def bad_request_page(reason: str) -> str:
    return _document("Bad request", f"<h1>Bad request</h1><p>{escape(reason)}</p>")
