"""CloudFront as AWS does it where moto 5.2.5 does not (gaps C1-C15 of local-aws-fidelity.md).

| gap | module |
|---|---|
| C1 OAI API | ``oai`` (``get_oai``) |
| C2 origin access fields kept | ``origins`` |
| C3 references validated | ``references`` (+ ``distributions``, ``keygroups``) |
| C4 InProgress -> Deployed | ``deployment`` (moto's state manager, ``CFTUTORIAL_DEPLOY_SECONDS``) |
| C5 ETag / If-Match | ``etags`` (+ ``distributions``, ``oai``, ``oac``, ``public_keys``, ``keygroups``) |
| C6 delete only when disabled and deployed | ``distributions.require_deletable`` |
| C7 key group config/update/delete | ``keygroups`` |
| C8 public key validation / in use | ``public_keys`` |
| C9 invalidation ``Completed`` | ``invalidations`` |
| C10 active trusted key groups | ``active_signers`` |
| C11 reused CallerReference / duplicate names | ``distributions``, ``public_keys``, ``oac`` |
| C12 ``Location`` on every create | ``oac`` |
| C13 the standard-logging bucket | ``standard_logs`` |
| C14/C15 aliases: ACM certificate, CNAME conflicts, CORS from the bucket | ``certificates`` (+ ``edge``) |

Each module reads and writes moto only through :mod:`cftutorial.localaws.moto_adapter`; a
module that patches moto declares its ``PATCHES`` (installed by :mod:`..fidelity`).
"""
