"""The team server as a JupyterHub service (``--team-source jupyterhub``).

Under a Hub, the Hub is the source of who is who: teams are Hub groups, sessions are the
members' Hub servers, and opening a teammate's session is a Hub share. The pieces:

- ``api.py``: the Hub's REST API, called with the service's own token;
- ``tokens.py``: which Hub user (and, for a server's token, which server) a token is;
- ``sync.py``: the loop that mirrors groups, members and servers into the store
  (``store/hub_mirror.py``) and revokes the shares of members who left.

Credits, runs, datastores and everything else stay the team server's own.
"""
