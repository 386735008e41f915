"""moto, read and written: the moto adapter's code, one module per job, behind one door.

The rest of the local AWS imports only :mod:`cftutorial.localaws.moto_adapter`, which names
what these modules offer: :mod:`.values` (the plain values handed out), :mod:`.modules` (moto's
modules, imported lazily), :mod:`.read` (the read model), :mod:`.writes` (the fidelity layer's
writes), :mod:`.state` (the state on disk, by partition), :mod:`.kms` (KMS Sign) and
:mod:`.patches` (the patch registry and the guard's expectations).
"""
