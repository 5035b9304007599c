"""Helpers shared by the tests of several areas: database access, real server processes, visit builders."""
