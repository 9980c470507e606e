"""Accounts and roles: officer (民政干部), organization (社会组织), reviewer (评审专家), admin."""
