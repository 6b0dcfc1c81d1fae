"""Exports every item of a list the way one of the Python clients people use
does, for benches/lists.rs:

    python3 list_export.py VARIANT WEBHOOK METHOD

VARIANT is fast_bitrix24 (Bitrix.get_all), b24pysdk_call_list,
b24pysdk_call_list_fast (the official SDK's two), or one_per_page (a call
per page of 50, following `next`, as OpenIntegrations pages). Prints
{"items": N, "unique": N} on standard output. The test CA is given by the
environment (SSL_CERT_FILE, REQUESTS_CA_BUNDLE)."""

import json
import sys
import time
import urllib.parse


def ids(items):
    return {str(item.get("ID", item.get("id"))) for item in items}


def fast_bitrix24(webhook, method):
    from fast_bitrix24 import Bitrix

    return Bitrix(webhook, verbose=False).get_all(method)


def b24pysdk_token(webhook):
    from b24pysdk import BitrixWebhook

    address = urllib.parse.urlsplit(webhook)
    token = address.path.split("/rest/", 1)[1].strip("/")
    return BitrixWebhook(domain=address.netloc, webhook_token=token)


def b24pysdk_call_list(webhook, method):
    return b24pysdk_token(webhook).call_list(method)["result"]


def b24pysdk_call_list_fast(webhook, method):
    return b24pysdk_token(webhook).call_list_fast(method)["result"]


def one_per_page(webhook, method):
    import requests

    items, start, session = [], 0, requests.Session()
    while start is not None:
        answer = session.post(f"{webhook}{method}", json={"start": start})
        if answer.status_code == 503:
            time.sleep(0.5)
            continue
        page = answer.json()
        items.extend(page["result"])
        start = page.get("next")
    return items


def main():
    variant, webhook, method = sys.argv[1:4]
    items = globals()[variant](webhook, method)
    items = list(items)
    print(json.dumps({"items": len(items), "unique": len(ids(items))}))


if __name__ == "__main__":
    main()
