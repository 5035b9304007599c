"""Android QR scanning through the ZXing scanner app's intent (pyjnius), or typed code if absent."""

from __future__ import annotations

from collections.abc import Callable

REQUEST_CODE = 0x51


class AndroidQrScanner:
    can_scan = True

    def scan(self, on_result: Callable[[str | None], None]) -> None:
        from android import activity  # type: ignore[import-not-found]
        from jnius import autoclass  # type: ignore[import-not-found]

        Intent = autoclass("android.content.Intent")
        PythonActivity = autoclass("org.kivy.android.PythonActivity")
        intent = Intent("com.google.zxing.client.android.SCAN")
        intent.putExtra("SCAN_MODE", "QR_CODE_MODE")

        def on_activity_result(request_code: int, result_code: int, data: object) -> None:
            if request_code != REQUEST_CODE:
                return
            activity.unbind(on_activity_result=on_activity_result)
            ok = result_code == -1 and data is not None  # Activity.RESULT_OK
            on_result(data.getStringExtra("SCAN_RESULT") if ok else None)  # type: ignore[attr-defined]

        activity.bind(on_activity_result=on_activity_result)
        try:
            PythonActivity.mActivity.startActivityForResult(intent, REQUEST_CODE)
        except Exception:  # no scanner app installed: fall back to typing the code
            activity.unbind(on_activity_result=on_activity_result)
            on_result(None)
