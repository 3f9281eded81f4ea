"""stub"""
KINDS = {}
