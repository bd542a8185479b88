"""The embedded default's broker: kombu's filesystem transport, made safe against half-written files.

kombu writes a message file in place (open, lock, write), and a consumer moves and reads any file
it lists without the lock, so a consumer that lists the file between the open and the write reads
part of it and its worker dies with a JSONDecodeError (the message then lost). Here a message is
written under a name outside the queue's pattern and renamed into place when complete, and a
consumer that still meets an unreadable file (from a writer without this transport, or one that
died) leaves it where it was and tries it again on its next poll.
"""

import logging
import os
import time
import uuid
from contextlib import suppress
from queue import Empty
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)

#: a message file still unreadable this long after it was last written was left by a dead writer
UNREADABLE_AFTER_SECONDS = 60
#: the part of a file name after the first dot, for files that are not (yet) messages
PARTIAL_SUFFIX = "partial"
CLAIMED_SUFFIX = "claimed"


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        """Write the message beside the queue under a name no consumer lists, then rename it into
        place: a consumer sees the whole file or none of it (a rename within a folder is atomic)."""
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f"{uuid.uuid4()}.{PARTIAL_SUFFIX}")
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
                f.flush()
                os.fsync(f.fileno())
            os.replace(partial, final)
        except OSError as exc:
            with suppress(OSError):
                os.unlink(partial)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc

    def _get(self, queue):
        """Take the oldest readable message of `queue`. A consumer claims a file by renaming it
        (only one of several consumers wins), reads it under a shared lock (a kombu writer holds
        its exclusive lock while writing) and puts an unreadable one back for its next poll."""
        pattern = f"{queue}.msg"
        for filename in sorted(os.listdir(self.data_folder_in)):
            if filename.partition(".")[2] != pattern:
                continue
            path = os.path.join(self.data_folder_in, filename)
            claimed = f"{path}.{uuid.uuid4()}.{CLAIMED_SUFFIX}"
            try:
                os.rename(path, claimed)
            except OSError:  # another consumer took it
                continue
            try:
                with open(claimed, "rb") as f:
                    filesystem.lock(f, filesystem.LOCK_SH)
                    try:
                        payload = f.read()
                    finally:
                        filesystem.unlock(f)
                message = loads(bytes_to_str(payload))
            except OSError as exc:
                raise ChannelError(f"Cannot read file {claimed!r} from queue.") from exc
            except ValueError:
                self._unreadable(claimed, path)
                continue
            self._processed(claimed, filename)
            return message
        raise Empty()

    def _unreadable(self, claimed: str, path: str) -> None:
        """Put a half-written message back, or set it aside once no writer has touched it for
        UNREADABLE_AFTER_SECONDS (it would be retried on every poll for ever)."""
        try:
            quiet = time.time() - os.stat(claimed).st_mtime
            if quiet < UNREADABLE_AFTER_SECONDS:
                os.rename(claimed, path)
                return
            aside = os.path.join(self.processed_folder, f"{os.path.basename(path)}.unreadable")
            os.makedirs(self.processed_folder, exist_ok=True)
            os.replace(claimed, aside)
            logger.error("message file %s stayed unreadable for %d s: set aside as %s", path, quiet, aside)
        except OSError:
            logger.warning("could not put back the unreadable message file %s", path, exc_info=True)

    def _processed(self, claimed: str, filename: str) -> None:
        try:
            if self.store_processed:
                os.makedirs(self.processed_folder, exist_ok=True)
                os.replace(claimed, os.path.join(self.processed_folder, filename))
            else:
                os.remove(claimed)
        except OSError as exc:
            raise ChannelError(f"Cannot remove file {claimed!r} from queue.") from exc

    def get_table(self, exchange):
        """kombu truncates an exchange file before it locks it to write: a reader in between reads
        nothing. Read again for a moment instead of failing (a worker died at start of this)."""
        for _ in range(50):
            try:
                return super().get_table(exchange)
            except ValueError:
                time.sleep(0.02)
        return super().get_table(exchange)


class Transport(filesystem.Transport):
    Channel = Channel
    # kombu keeps the filesystem broker's bindings per transport class: share the base's
    global_state = filesystem.Transport.global_state


#: what `broker_transport` names on the embedded default
TRANSPORT = f"{__name__}:Transport"
